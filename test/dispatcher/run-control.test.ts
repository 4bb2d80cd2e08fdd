import { ProcessSampler } from '../../src/services/process-sampler.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/adapters/bus/memory.js';
import type { Bus } from '../../src/ports/bus.js';
import { createRunControl } from '../../src/services/run-control.js';
import { fixtureCommand, Harness, isAlive, liveGroupMembers, waitFor } from './harness.js';

describe('dispatcher with run-control stopping its runs', () => {
  let h: Harness;
  let bus: Bus;
  beforeEach(async () => {
    h = await new Harness().open();
    bus = createMemoryBus();
  });
  afterEach(async () => {
    await h.cleanup();
    await bus.close();
  });

  function control() {
    return createRunControl({
      store: h.store,
      signaller: h.signaller,
      audit: h.audit,
      bus,
      hostname: h.hostname,
      sampler: new ProcessSampler(h.inspector),
    });
  }

  it('terminate: the process group is gone, the run is terminated (not crashed), the task goes where asked', async () => {
    const dispatcher = h.dispatcher({ p: { command: fixtureCommand('sleeper.mjs'), env: { SPAWN_GRANDCHILD: '1' } } });
    const task = await h.store.createTask({ title: 'stop me', assignee: 'p' });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');
    await waitFor(() => h.logOf(run.id).includes('grandchild pid='), 'the grandchild to start');

    const result = await control().stopRun(run.id, { outcome: 'terminated', then: 'block', grace_seconds: 2, actor: 'test' });
    expect(result).toMatchObject({ ok: true, terminated: true, signal: 'SIGTERM', stopped_by: 'signal' });
    expect(liveGroupMembers(run.worker_pid as number)).toEqual([]);
    const sent = (await h.store.listEvents({ run_id: run.id })).filter((e) => e.kind === 'signal_sent');
    expect(sent[0]?.payload).toEqual({ pid: run.worker_pid, signal: 'SIGTERM', group: true, actor: 'test', reason: 'run terminated' });
    expect(await h.store.getRun(run.id)).toMatchObject({ outcome: 'terminated' });
    expect((await h.store.getTask(task.id))?.status).toBe('blocked');
    // Blocked, so the dispatcher does not start it again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await h.runsOf(task.id)).toHaveLength(1);
  });

  it('reclaim: the task is re-run by a new process only after the old one is gone', async () => {
    const dispatcher = h.dispatcher({ p: { command: fixtureCommand('sleeper.mjs') } });
    const task = await h.store.createTask({ title: 'reclaim me', assignee: 'p' });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');

    await control().reclaimTask(task.id, { actor: 'test' });
    expect(isAlive(run.worker_pid as number)).toBe(false);
    expect(await h.store.getRun(run.id)).toMatchObject({ outcome: 'reclaimed' });
    const rerun = await h.waitForRun(task.id, (r) => r.id !== run.id && r.worker_pid !== null, 'rerun');
    expect(rerun.worker_pid).not.toBe(run.worker_pid);
  });
});
