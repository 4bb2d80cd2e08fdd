import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXITED_WHILE_ADOPTED, VANISHED_WHILE_DOWN } from '../../src/services/dispatcher/exit-outcome.js';
import { fixtureCommand, Harness, isAlive, waitFor, storeKinds } from './harness.js';

const kinds = await storeKinds();

describe.each(kinds)('dispatcher: restart safety (%s store)', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().open(kind);
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('adopts live workers after a restart, closes the ones that died meanwhile, and duplicates none', async () => {
    const profiles = { p: { command: fixtureCommand('sleeper.mjs'), concurrency: 2, lease_ttl_seconds: 0.9 } };
    const first = h.dispatcher(profiles);
    const survivor = await h.store.createTask({ title: 'survives', assignee: 'p', max_attempts: 3 });
    const victim = await h.store.createTask({ title: 'dies while down', assignee: 'p', max_attempts: 3 });
    await first.start();
    const survivorRun = await h.waitForRun(survivor.id, (r) => r.worker_pid !== null, 'survivor worker');
    const victimRun = await h.waitForRun(victim.id, (r) => r.worker_pid !== null, 'victim worker');

    await first.stop({ leaveChildren: true });
    expect(isAlive(survivorRun.worker_pid as number)).toBe(true);
    process.kill(victimRun.worker_pid as number, 'SIGKILL');
    await waitFor(() => !isAlive(victimRun.worker_pid as number), 'victim to die');

    const second = h.dispatcher(profiles);
    await second.start();
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'adopted', run_id: survivorRun.id }));
    expect(await h.store.getRun(victimRun.id)).toMatchObject({ outcome: 'crashed', error: VANISHED_WHILE_DOWN });

    // The adopted run keeps its lease (several lease lengths pass) and its task is not run twice.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await h.store.getRun(survivorRun.id)).toMatchObject({ ended_at: null, worker_pid: survivorRun.worker_pid });
    expect((await h.store.reap()).reclaimed).toEqual([]);
    expect(await h.runsOf(survivor.id)).toHaveLength(1);
    // The victim's task was re-run by the new dispatcher.
    await h.waitForRun(victim.id, (r) => r.id !== victimRun.id && r.worker_pid !== null && isAlive(r.worker_pid), 'victim rerun');

    process.kill(survivorRun.worker_pid as number, 'SIGKILL');
    await waitFor(async () => (await h.store.getRun(survivorRun.id))?.ended_at !== null, 'adopted run to close');
    expect(await h.store.getRun(survivorRun.id)).toMatchObject({ outcome: 'crashed', error: EXITED_WHILE_ADOPTED });
  });

  it('kills an adopted worker whose lease lapsed while nobody renewed it, closes the run reclaimed and re-runs the task', async () => {
    const profiles = { p: { command: fixtureCommand('sleeper.mjs'), lease_ttl_seconds: 0.5 } };
    const first = h.dispatcher(profiles);
    const task = await h.store.createTask({ title: 'outlive my lease', assignee: 'p', max_attempts: 3 });
    await first.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');
    await first.stop({ leaveChildren: true });
    await waitFor(async () => ((await h.store.getRun(run.id))?.claim_expires ?? Infinity) < Date.now() / 1000, 'the lease to lapse');

    await h.dispatcher(profiles).start();
    const rerun = await h.waitForRun(task.id, (r) => r.id !== run.id && r.worker_pid !== null, 'rerun');
    expect(isAlive(run.worker_pid as number)).toBe(false);
    expect(await h.store.getRun(run.id)).toMatchObject({ outcome: 'reclaimed', error: 'lease expired' });
    expect(isAlive(rerun.worker_pid as number)).toBe(true);
  });

  it('counts adopted runs against the profile concurrency', async () => {
    const profiles = { p: { command: fixtureCommand('sleeper.mjs'), concurrency: 1 } };
    const first = h.dispatcher(profiles);
    const a = await h.store.createTask({ title: 'a', assignee: 'p' });
    await first.start();
    await h.waitForRun(a.id, (r) => r.worker_pid !== null, 'worker of a');
    await first.stop({ leaveChildren: true });

    const b = await h.store.createTask({ title: 'b', assignee: 'p' });
    const second = h.dispatcher(profiles);
    await second.start();
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await h.runsOf(b.id)).toEqual([]);
  });

  it('terminates its workers and requeues their tasks on a plain stop', async () => {
    const dispatcher = h.dispatcher({ p: { command: fixtureCommand('sleeper.mjs') } });
    const task = await h.store.createTask({ title: 'interrupted', assignee: 'p' });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');
    await dispatcher.stop();
    expect(isAlive(run.worker_pid as number)).toBe(false);
    expect(await h.store.getRun(run.id)).toMatchObject({ outcome: 'terminated' });
    expect((await h.store.getTask(task.id))?.status).toBe('ready');
  });
});
