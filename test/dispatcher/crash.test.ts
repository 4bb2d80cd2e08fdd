import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureCommand, Harness, isAlive, storeKinds, waitFor } from './harness.js';

/** Samples, until stopped, the most processes that were ever alive at once for one task's runs. */
function watchLiveProcesses(h: Harness, taskId: string): { stop: () => Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const pids = (await h.runsOf(taskId)).map((run) => run.worker_pid).filter((pid): pid is number => pid !== null);
      max = Math.max(max, pids.filter(isAlive).length);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return max;
    },
  };
}

const kinds = await storeKinds();

describe.each(kinds)('dispatcher: crashes and lost leases (%s store)', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().open(kind);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('re-runs a task whose worker was killed -9 in a new process within 1 s, never two at once', async () => {
    const dispatcher = h.dispatcher({ crashy: { command: fixtureCommand('sleeper.mjs') } });
    const task = await h.store.createTask({ title: 'crash me', assignee: 'crashy', max_attempts: 3 });
    await dispatcher.start();
    const first = await h.waitForRun(task.id, (r) => r.worker_pid !== null && isAlive(r.worker_pid), 'first worker');
    const monitor = watchLiveProcesses(h, task.id);

    const killedAt = performance.now();
    process.kill(first.worker_pid as number, 'SIGKILL');
    const second = await h.waitForRun(
      task.id,
      (r) => r.id !== first.id && r.worker_pid !== null && isAlive(r.worker_pid),
      'second worker',
    );
    const elapsed = Math.round(performance.now() - killedAt);
    console.log(`crash→rerun: ${elapsed} ms`);
    const maxLive = await monitor.stop();

    const crashed = await h.store.getRun(first.id);
    expect(crashed).toMatchObject({ outcome: 'crashed', exit_code: 137, error: 'killed by SIGKILL' });
    expect(second.worker_pid).not.toBe(first.worker_pid);
    expect((await h.store.getTask(task.id))?.status).toBe('running');
    expect(maxLive).toBeLessThanOrEqual(1);
    expect(elapsed).toBeLessThan(1000);
  });

  it('kills the worker when its run is closed elsewhere, and re-runs the task only after it is gone', async () => {
    const dispatcher = h.dispatcher({ p: { command: fixtureCommand('sleeper.mjs'), lease_ttl_seconds: 30 } });
    const task = await h.store.createTask({ title: 'lose my lease', assignee: 'p', max_attempts: 3 });
    await dispatcher.start();
    const first = await h.waitForRun(task.id, (r) => r.worker_pid !== null && isAlive(r.worker_pid), 'first worker');
    const monitor = watchLiveProcesses(h, task.id);

    // What the reaper does to a lapsed lease: close the run and requeue the task, without any stop request.
    await h.store.endRun(first.id, { outcome: 'reclaimed', then: 'requeue', actor: 'test' });
    const second = await h.waitForRun(
      task.id,
      (r) => r.id !== first.id && r.worker_pid !== null && isAlive(r.worker_pid),
      'second worker',
    );
    const maxLive = await monitor.stop();

    expect(isAlive(first.worker_pid as number)).toBe(false);
    expect(maxLive).toBeLessThanOrEqual(1);
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'killing', run_id: first.id, reason: 'lease_lost' }));
    // The dispatcher did not overwrite how the run ended.
    expect(await h.store.getRun(first.id)).toMatchObject({ outcome: 'reclaimed' });
    expect(second.ended_at).toBeNull();
  });

  it('lets a worker that completed its run exit by itself, and terminates it only once it lingers past the grace', async () => {
    const dispatcher = h.dispatcher({ p: { command: fixtureCommand('sleeper.mjs') } }, { lingerGraceSeconds: 1.5 });
    const task = await h.store.createTask({ title: 'finish then linger', assignee: 'p' });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');
    // What the worker's own completion over HTTP does.
    await h.store.complete(run.id, run.claim_token, { outcome: 'completed', summary: 'done' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(isAlive(run.worker_pid as number)).toBe(true);

    await waitFor(() => !isAlive(run.worker_pid as number), 'the lingering worker to be terminated', 10_000);
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'killing', run_id: run.id, reason: 'lingered' }));
    expect(await h.store.getRun(run.id)).toMatchObject({ outcome: 'completed', summary: 'done' });
    expect((await h.store.getTask(task.id))?.status).toBe('done');
  });

  it('renews the lease of a live worker without marking progress', async () => {
    const dispatcher = h.dispatcher({ p: { command: fixtureCommand('sleeper.mjs'), lease_ttl_seconds: 0.6 } });
    const task = await h.store.createTask({ title: 'keep my lease', assignee: 'p' });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');
    // Several lease lengths later the lease is still ahead of the clock: it was renewed, not inherited.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const later = await h.store.getRun(run.id);
    expect(later?.ended_at).toBeNull();
    expect(later?.claim_expires).toBeGreaterThan(run.claim_expires + 1);
    expect(later?.last_progress_at).toBeNull();
    expect((await h.store.reap()).reclaimed).toHaveLength(0);
  });
});
