import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/types.js';
import { fixtureCommand, Harness, isAlive, waitFor } from './harness.js';

/** Live worker processes per profile right now, read from the runs and /proc. */
async function liveByProfile(h: Harness): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const active of await h.store.listActiveRuns()) {
    if (active.worker_pid === null || !isAlive(active.worker_pid)) continue;
    const profile = active.profile ?? '';
    counts.set(profile, (counts.get(profile) ?? 0) + 1);
  }
  return counts;
}

describe('dispatcher: concurrency', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().open();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('keeps each profile within its concurrency and all profiles within the overall cap', async () => {
    const worker = { command: fixtureCommand('exit-with.mjs'), env: { EXIT_CODE: '4', EXIT_AFTER_MS: '300' } };
    const dispatcher = h.dispatcher(
      { a: { ...worker, concurrency: 2 }, b: { ...worker, concurrency: 2 }, c: { ...worker, concurrency: 1 } },
      { maxConcurrentRuns: 4 },
    );
    const tasks: Task[] = [];
    for (let i = 0; i < 5; i++) {
      for (const assignee of ['a', 'b', 'c']) {
        tasks.push(await h.store.createTask({ title: `${assignee}${i}`, assignee, max_attempts: 1 }));
      }
    }
    await dispatcher.start();

    const peak = new Map<string, number>();
    let peakTotal = 0;
    await waitFor(async () => {
      const counts = await liveByProfile(h);
      let total = 0;
      for (const [profile, count] of counts) {
        peak.set(profile, Math.max(peak.get(profile) ?? 0, count));
        total += count;
      }
      peakTotal = Math.max(peakTotal, total);
      const statuses = await Promise.all(tasks.map(async (t) => (await h.store.getTask(t.id))?.status));
      return statuses.every((status) => status === 'blocked');
    }, 'every task to have run once', 30_000);

    expect(peak.get('a')).toBeLessThanOrEqual(2);
    expect(peak.get('b')).toBeLessThanOrEqual(2);
    expect(peak.get('c')).toBe(1);
    expect(peakTotal).toBeLessThanOrEqual(4);
    // The limits were reached, not merely respected by running one at a time.
    expect(peakTotal).toBeGreaterThanOrEqual(3);
    for (const task of tasks) expect((await h.runsOf(task.id)).map((r) => r.outcome)).toEqual(['gave_up']);
  });

  it('leaves tasks of unknown profiles and unassigned tasks alone', async () => {
    const dispatcher = h.dispatcher({ mine: { command: fixtureCommand('sleeper.mjs') } });
    const other = await h.store.createTask({ title: 'not mine', assignee: 'someone-else' });
    const unassigned = await h.store.createTask({ title: 'nobody' });
    const mine = await h.store.createTask({ title: 'mine', assignee: 'mine' });
    await dispatcher.start();
    await h.waitForRun(mine.id, (r) => r.worker_pid !== null, 'my worker');
    expect(await h.runsOf(other.id)).toEqual([]);
    expect(await h.runsOf(unassigned.id)).toEqual([]);
  });
});
