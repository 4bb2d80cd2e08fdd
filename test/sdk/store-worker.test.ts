import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/adapters/bus/memory.js';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { controlSubject, healthSubject } from '../../src/core/subjects.js';
import { LeaseLostError } from '../../src/core/errors.js';
import type { Bus } from '../../src/ports/bus.js';
import type { Store } from '../../src/ports/store.js';
import { BlockedError } from '../../src/sdk/errors.js';
import { storeTransport } from '../../src/store-transport.js';
import { createWorker } from '../../src/sdk/worker.js';
import type { WorkerOptions } from '../../src/sdk/worker-types.js';
import { aborted, waitFor } from './helpers.js';

let dir: string;
let store: Store;
let bus: Bus;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pb-sdk-store-'));
  store = await openSqliteStore({ path: join(dir, 'pulseboard.db') });
  bus = createMemoryBus();
});
afterEach(async () => {
  await bus.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function worker(opts: Partial<WorkerOptions> & Pick<WorkerOptions, 'handler'>) {
  return createWorker({
    name: 'embedded',
    transport: storeTransport(store),
    pollSeconds: 0.02,
    maxPollSeconds: 0.1,
    handleSignals: false,
    healthSeconds: false,
    onError: () => {},
    ...opts,
  });
}

describe('createWorker over the store transport', () => {
  it('handles tasks on several slots, recording this process as the worker', async () => {
    const tasks = await Promise.all([1, 2, 3, 4].map((n) => store.createTask({ title: `n${n}`, body: String(n) })));
    const w = worker({ concurrency: 2, maxTasks: 4, handler: (task) => ({ square: Number(task.body) ** 2 }) });
    await w.done;
    for (const [index, task] of tasks.entries()) {
      const done = await store.getTask(task.id);
      expect(done?.status).toBe('done');
      expect(done?.result).toEqual({ square: (index + 1) ** 2 });
    }
    const run = (await store.listRuns(tasks[0]!.id))[0];
    expect(run).toMatchObject({ worker: 'embedded', worker_pid: process.pid, outcome: 'completed' });
    expect(w.stats()).toMatchObject({ claimed: 4, completed: 4 });
  });

  it('fails and blocks as the handler says', async () => {
    const failing = await store.createTask({ title: 'fail', max_attempts: 2 });
    const w1 = worker({ maxTasks: 1, handler: () => { throw new Error('nope'); } });
    await w1.done;
    expect((await store.listRuns(failing.id))[0]).toMatchObject({ outcome: 'failed', error: 'nope' });

    await store.updateTask(failing.id, { status: 'archived' });
    const blocking = await store.createTask({ title: 'block' });
    const w2 = worker({ maxTasks: 1, handler: () => { throw new BlockedError('waiting on review'); } });
    await w2.done;
    expect((await store.getTask(blocking.id))?.status).toBe('blocked');
  });

  it('only claims tasks of its profile', async () => {
    const mine = await store.createTask({ title: 'mine', assignee: 'resize' });
    await store.createTask({ title: 'unassigned' });
    const w = worker({ profile: 'resize', maxTasks: 1, handler: () => 'ok' });
    await w.done;
    expect((await store.getTask(mine.id))?.status).toBe('done');
    expect(await store.listTasks({ status: 'ready' })).toHaveLength(1);
  });

  it('aborts the handler when its lease is lost to the reaper', async () => {
    await store.createTask({ title: 'hang' });
    let reason: unknown;
    // Heartbeats slower than the lease: the lease lapses, the reaper reclaims, the next beat learns it.
    const w = worker({
      maxTasks: 1,
      ttlSeconds: 0.3,
      heartbeatSeconds: 0.6,
      handler: async (_task, ctx) => {
        reason = await aborted(ctx.signal);
      },
    });
    await waitFor(() => w.stats().in_flight === 1, 30_000, 'the claim');
    await waitFor(async () => (await store.reap()).reclaimed.length === 1, 30_000, 'the reclaim');
    await w.done;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(w.stats().lost).toBe(1);
  });

  it('publishes health on the bus and stops on a control message', async () => {
    const beats = bus.subscribe(healthSubject('embedded'));
    const w = worker({ bus, healthSeconds: 0.05, handler: () => null });
    const first = await beats[Symbol.asyncIterator]().next();
    expect(first.value?.data).toMatchObject({ pid: process.pid });
    beats.close();
    bus.publish(controlSubject('embedded'), { action: 'stop' });
    await w.done;
    expect(w.stats().claimed).toBe(0);
  });
});
