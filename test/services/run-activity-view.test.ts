import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activitySeries } from '../../src/core/run-activity.js';
import { RunActivityView } from '../../src/services/run-activity-view.js';
import { STORES } from '../store/fixtures/both-stores.js';
import type { OpenedStore } from '../store/fixtures/both-stores.js';

const MINUTE = 60;

/** The view keeps closed minutes; what it answers must be what counting the whole window answers. */
for (const kind of STORES) {
  describe.runIf(await kind.available())(`RunActivityView over ${kind.kind}`, () => {
    let opened: OpenedStore;
    beforeEach(async () => {
      opened = await kind.open();
    });
    afterEach(async () => opened.cleanup());

    async function uncached(buckets: number) {
      const now = opened.clock.now();
      const since = (Math.floor(now / MINUTE) - buckets + 1) * MINUTE;
      const counts = await opened.store.runActivity({ since, bucket_seconds: MINUTE });
      if (counts.live_at_since === null) throw new Error('no live count');
      return activitySeries({ ...counts, live_at_since: counts.live_at_since }, since, MINUTE, buckets);
    }

    async function startRun(): Promise<{ id: number; token: string }> {
      await opened.store.createTask({ title: 'a' });
      const claimed = await opened.store.claim({ worker: 'w', host: 'h', ttl_seconds: 86_400 });
      if (!claimed) throw new Error('nothing to claim');
      return { id: claimed.run.id, token: claimed.run.claim_token };
    }

    it('answers what a count of the whole window answers, minute after minute, while runs start and end', async () => {
      const view = new RunActivityView(opened.store, MINUTE);
      const live: { id: number; token: string }[] = [];
      // A run live since before the window, so live_at_since is not zero.
      live.push(await startRun());
      opened.clock.advance(10 * MINUTE);
      for (let step = 0; step < 40; step++) {
        // Steps of 23 s land on each side of the minutes and of the few seconds a minute takes to settle.
        opened.clock.advance(23);
        if (step % 3 !== 2) live.push(await startRun());
        if (step % 4 === 3) {
          const run = live.splice(1, 1)[0]!;
          await opened.store.complete(run.id, run.token, { outcome: step % 8 === 3 ? 'completed' : 'failed' });
        }
        expect(await view.series(10, opened.clock.now())).toEqual(await uncached(10));
        expect(await view.series(3, opened.clock.now())).toEqual(await uncached(3));
      }
      const last = await view.series(10, opened.clock.now());
      expect(last.some((b) => b.completed > 0) && last.some((b) => b.failed > 0)).toBe(true);
      expect(last.at(-1)?.live).toBe(live.length);
    });
  });
}
