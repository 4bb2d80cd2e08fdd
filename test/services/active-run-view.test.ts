import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActiveRunView } from '../../src/services/active-run-view.js';
import { STORES } from '../store/fixtures/both-stores.js';
import type { OpenedStore } from '../store/fixtures/both-stores.js';

/** The view keeps what did not change between two listings; the store under it answers fresh objects. */
for (const kind of STORES) {
  describe.runIf(await kind.available())(`ActiveRunView over ${kind.kind}`, () => {
    let opened: OpenedStore;
    let view: ActiveRunView;
    beforeEach(async () => {
      opened = await kind.open();
      view = new ActiveRunView(opened.store);
    });
    afterEach(async () => opened.cleanup());

    async function claimOne(title: string, board?: string): Promise<{ runId: number; token: string }> {
      await opened.store.createTask({ title, ...(board === undefined ? {} : { board }) });
      const claimed = await opened.store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, ...(board === undefined ? {} : { board }) });
      if (!claimed) throw new Error('nothing to claim');
      return { runId: claimed.run.id, token: claimed.run.claim_token };
    }

    it('the store answers new objects on every call, equal while nothing changed', async () => {
      await claimOne('a');
      const first = await opened.store.listActiveRuns();
      const second = await opened.store.listActiveRuns();
      expect(second).not.toBe(first);
      expect(second[0]).not.toBe(first[0]);
      expect(second).toEqual(first);
    });

    it('answers the same listing and bytes again only while no run and no state changed', async () => {
      const { runId, token } = await claimOne('d');
      const first = await view.listing();
      opened.clock.advance(1);
      const again = await view.listing();
      expect(again).toBe(first);
      expect(again.jsonParts()).toBe(first.jsonParts());
      opened.clock.advance(24);
      const expiring = await view.listing();
      expect(expiring).not.toBe(first);
      expect(expiring.runs[0]?.state).toBe('lease_expiring');
      expect(first.runs[0]?.state).toBe('healthy');
      await opened.store.heartbeat(runId, token);
      const beaten = await view.listing();
      expect(beaten.runs[0]).toMatchObject({ state: 'healthy', last_heartbeat_at: opened.clock.now() });
      // Another timeout judges the same runs differently, so it is a listing of its own.
      opened.clock.advance(11);
      expect((await view.listing({ progress_timeout_seconds: 10 })).runs[0]?.state).toBe('stuck');
      expect((await view.listing()).runs[0]?.state).toBe('healthy');
    });

    it('after one run changed, the others keep their objects and the JSON is that of the new runs', async () => {
      const a = await claimOne('a');
      await claimOne('b');
      const before = await view.listing();
      opened.clock.advance(2);
      await opened.store.heartbeat(a.runId, a.token, { progress: 0.5 });
      const after = await view.listing();
      expect(after).not.toBe(before);
      const find = (runs: typeof before.runs, runId: number) => runs.find((r) => r.run_id === runId);
      const other = before.runs.find((r) => r.run_id !== a.runId)!;
      expect(find(after.runs, other.run_id)).toBe(other);
      expect(find(after.runs, a.runId)).not.toBe(find(before.runs, a.runId));
      expect(find(after.runs, a.runId)).toMatchObject({ last_heartbeat_at: opened.clock.now(), last_progress_at: opened.clock.now() });
      expect(JSON.parse(Buffer.concat(after.jsonParts()).toString())).toEqual(await opened.store.listActiveRuns());
      after.runs.forEach((run, i) => expect(after.runJson(i)).toBe(JSON.stringify(run)));
    });

    it('encodes again only the part of the JSON whose runs changed, and the parts always make the listing', async () => {
      const runs: { runId: number; token: string }[] = [];
      for (let i = 0; i < 120; i++) runs.push(await claimOne(`p${i}`));
      const bytesOf = (listing: Awaited<ReturnType<ActiveRunView['listing']>>) => {
        return Buffer.concat(listing.jsonParts()).toString();
      };
      const first = await view.listing();
      expect(first.jsonParts()).toHaveLength(4); // 50 + 50 + 20 runs, and the closing bracket
      expect(bytesOf(first)).toBe(JSON.stringify(first.runs));
      opened.clock.advance(1);
      // Newest first: the 10th run claimed is the 111th listed, in the third part.
      const renewed = runs[9]!;
      await opened.store.heartbeat(renewed.runId, renewed.token);
      const second = await view.listing();
      expect(second.runs.findIndex((r) => r.run_id === renewed.runId)).toBe(110);
      expect(second.jsonParts()[0]).toBe(first.jsonParts()[0]);
      expect(second.jsonParts()[1]).toBe(first.jsonParts()[1]);
      expect(second.jsonParts()[2]).not.toBe(first.jsonParts()[2]);
      expect(bytesOf(second)).toBe(JSON.stringify(await opened.store.listActiveRuns()));
      // A run gone (the 11th claimed, 110th listed) moves every run after it: only those parts change.
      await opened.store.endRun(runs[10]!.runId, { outcome: 'failed', actor: 'test' });
      const third = await view.listing();
      expect(third.runs).toHaveLength(119);
      expect(third.jsonParts()[1]).toBe(second.jsonParts()[1]);
      expect(third.jsonParts()[2]).not.toBe(second.jsonParts()[2]);
      expect(bytesOf(third)).toBe(JSON.stringify(await opened.store.listActiveRuns()));
      for (const run of runs.filter((_, i) => i !== 10)) await opened.store.endRun(run.runId, { outcome: 'failed', actor: 'test' });
      expect(bytesOf(await view.listing())).toBe('[]');
    });

    it('answers the last listing while the store stamps it unchanged, a new one once a run changed (stamp: SQLite only)', async () => {
      const { runId, token } = await claimOne('s');
      const stamp = await opened.store.activeRunsStamp();
      expect(stamp === null).toBe(kind.kind === 'postgres');
      const first = await view.listing();
      opened.clock.advance(1);
      expect(await view.listing()).toBe(first);
      await opened.store.heartbeat(runId, token);
      const beaten = await view.listing();
      expect(beaten.runs[0]?.last_heartbeat_at).toBe(opened.clock.now());
      await opened.store.endRun(runId, { outcome: 'failed', actor: 'test' });
      expect((await view.listing()).runs).toEqual([]);
    });

    it('keeps boards apart', async () => {
      await claimOne('x', 'alpha');
      expect((await view.listing({ board: 'beta' })).runs).toEqual([]);
      await claimOne('y', 'beta');
      expect((await view.listing({ board: 'beta' })).runs.map((r) => r.task_title)).toEqual(['y']);
      expect((await view.listing({ board: 'alpha' })).runs.map((r) => r.task_title)).toEqual(['x']);
      expect((await view.listing()).runs).toHaveLength(2);
    });

    it('two views over one store keep their own memory', async () => {
      const { runId, token } = await claimOne('a');
      const other = new ActiveRunView(opened.store);
      const mine = await view.listing();
      const theirs = await other.listing();
      expect(theirs).not.toBe(mine);
      expect(theirs.runs[0]).not.toBe(mine.runs[0]);
      opened.clock.advance(1);
      await opened.store.heartbeat(runId, token);
      expect((await other.listing()).runs[0]?.last_heartbeat_at).toBe(opened.clock.now());
      expect((await view.listing()).runs[0]?.last_heartbeat_at).toBe(opened.clock.now());
    });
  });
}
