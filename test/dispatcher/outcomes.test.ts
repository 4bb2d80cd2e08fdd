import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureCommand, Harness, isAlive, liveGroupMembers, waitFor } from './harness.js';

describe('dispatcher: how a worker process ends its run', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().open();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('completes the run of a worker that exited 0 without reporting, once', async () => {
    const dispatcher = h.dispatcher({ quiet: { command: fixtureCommand('exit-with.mjs'), env: { EXIT_CODE: '0' } } });
    const task = await h.store.createTask({ title: 'say nothing', assignee: 'quiet', max_attempts: 2 });
    await dispatcher.start();
    await waitFor(async () => (await h.store.getTask(task.id))?.status === 'done', 'task to be done');
    const runs = await h.runsOf(task.id);
    expect(runs.map((r) => r.outcome)).toEqual(['completed']);
    expect(runs[0]).toMatchObject({ exit_code: 0, error: null });
  });

  it('fails the run of a worker that exited non-zero, then gives up when attempts run out', async () => {
    const dispatcher = h.dispatcher({ bad: { command: fixtureCommand('exit-with.mjs'), env: { EXIT_CODE: '7' } } });
    const task = await h.store.createTask({ title: 'fail hard', assignee: 'bad', max_attempts: 2 });
    await dispatcher.start();
    await waitFor(async () => (await h.store.getTask(task.id))?.status === 'blocked', 'task to be blocked');
    const runs = await h.runsOf(task.id);
    expect(runs.map((r) => r.outcome)).toEqual(['failed', 'gave_up']);
    expect(runs[1]?.metadata).toMatchObject({ cause: 'failed' });
    const run = runs[0]!;
    expect(run).toMatchObject({ exit_code: 7, error: 'worker exited with code 7' });
    expect(h.logOf(run.id)).toContain(`task=${task.id}`);
  });

  it('closes the run as spawn_failed when the command does not exist or cannot be executed, or its cwd is missing', async () => {
    const notExecutable = join(h.dir, 'not-executable.sh');
    writeFileSync(notExecutable, '#!/bin/sh\nexit 0\n');
    chmodSync(notExecutable, 0o644);
    const dispatcher = h.dispatcher({
      missing: { command: [join(h.dir, 'no-such-command')] },
      denied: { command: [notExecutable] },
      nowhere: { command: fixtureCommand('sleeper.mjs'), cwd: join(h.dir, 'no-such-folder') },
    });
    const nowhere = await h.store.createTask({ title: 'nowhere', assignee: 'nowhere', max_attempts: 1 });
    const missing = await h.store.createTask({ title: 'missing', assignee: 'missing', max_attempts: 2 });
    const denied = await h.store.createTask({ title: 'denied', assignee: 'denied', max_attempts: 1 });
    await dispatcher.start();
    await waitFor(async () => (await h.store.getTask(missing.id))?.status === 'blocked', 'missing to be blocked');
    await waitFor(async () => (await h.store.getTask(denied.id))?.status === 'blocked', 'denied to be blocked');

    const missingRuns = await h.runsOf(missing.id);
    expect(missingRuns.map((r) => r.outcome)).toEqual(['spawn_failed', 'gave_up']);
    expect(missingRuns[0]?.error).toContain('ENOENT');
    expect(missingRuns[0]?.worker_pid).toBeNull();
    const deniedRuns = await h.runsOf(denied.id);
    expect(deniedRuns).toHaveLength(1);
    expect(deniedRuns[0]).toMatchObject({ outcome: 'gave_up', metadata: { cause: 'spawn_failed' } });
    expect(deniedRuns[0]?.error).toContain('EACCES');
    await waitFor(async () => (await h.store.getTask(nowhere.id))?.status === 'blocked', 'nowhere to be blocked');
    expect((await h.runsOf(nowhere.id))[0]?.error).toBe(`cwd ${join(h.dir, 'no-such-folder')} is not a directory`);
  });

  it('terminates the whole process group of a worker past its max runtime and closes the run as timed_out', async () => {
    const dispatcher = h.dispatcher({
      slow: { command: fixtureCommand('sleeper.mjs'), env: { SPAWN_GRANDCHILD: '1' }, max_runtime_seconds: 1 },
    });
    const task = await h.store.createTask({ title: 'take too long', assignee: 'slow', max_attempts: 2 });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');
    const pgid = run.worker_pid as number;
    await waitFor(() => h.logOf(run.id).includes('grandchild pid='), 'the grandchild to start');
    const grandchild = Number(/grandchild pid=(\d+)/.exec(h.logOf(run.id))?.[1]);
    expect(isAlive(grandchild)).toBe(true);

    const ended = await h.waitForRun(task.id, (r) => r.id === run.id && r.ended_at !== null, 'the run to end', 15_000);
    expect(ended.outcome).toBe('timed_out');
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(isAlive(grandchild)).toBe(false);
    // Its second attempt starts only once the first process group is gone.
    const second = await h.waitForRun(task.id, (r) => r.id !== run.id && r.worker_pid !== null, 'second attempt');
    expect(second.started_at).toBeGreaterThanOrEqual(ended.ended_at as number);
  });

  it('kills the group members a worker left behind when it exits', async () => {
    const dispatcher = h.dispatcher({
      leaver: { command: [process.execPath, '-e', "require('child_process').spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)'], {stdio:'ignore'}); setTimeout(() => process.exit(5), 200)"] },
    });
    const task = await h.store.createTask({ title: 'leave a child', assignee: 'leaver', max_attempts: 1 });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');
    await waitFor(async () => (await h.store.getRun(run.id))?.ended_at !== null, 'the run to end');
    await waitFor(() => liveGroupMembers(run.worker_pid as number).length === 0, 'the group to be empty', 5000);
  });
});
