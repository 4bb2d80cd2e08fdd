import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { FakeClock } from '../../src/ports/clock.js';
import type { Store } from '../../src/ports/store.js';
import { Reaper } from '../../src/services/reaper.js';
import { killAndWait, spawnClaimWorker } from './spawn-worker.js';
import type { WorkerHandle } from './spawn-worker.js';

async function everything(store: Store): Promise<unknown> {
  const tasks = await store.listTasks();
  return { tasks, runs: await Promise.all(tasks.map((t) => store.listRuns(t.id))), events: await store.listEvents() };
}

describe('SQLite store across restarts', () => {
  let dir: string;
  let path: string;
  const handles: WorkerHandle<unknown>[] = [];
  const stores: Store[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulseboard-restart-'));
    path = join(dir, 'board.db');
  });
  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => killAndWait(h)));
    for (const store of stores.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (clock: FakeClock): Promise<Store> => {
    const store = await openSqliteStore({ path, clock });
    stores.push(store);
    return store;
  };

  it('keeps tasks and live runs through close and reopen; the reaper then reclaims expired leases', async () => {
    const clock = new FakeClock();
    const first = await open(clock);
    const parent = await first.createTask({ title: 'parent' });
    await first.createTask({ title: 'child', parents: [parent.id] });
    await first.createTask({ title: 'other' });
    const a = await first.claim({ worker: 'w', host: 'h', ttl_seconds: 30 });
    const b = await first.claim({ worker: 'w', host: 'h', ttl_seconds: 30 });
    const before = await everything(first);
    await first.close();

    const later = new FakeClock(clock.now());
    const second = await open(later);
    expect(await everything(second)).toEqual(before);
    // The fencing tokens survive too: the worker of a live run may go on after the restart.
    later.advance(20);
    await second.heartbeat(a!.run.id, a!.run.claim_token);

    later.advance(11);
    const reaper = new Reaper({ store: second });
    expect((await reaper.runOnce()).reclaimed.map((r) => r.run.id)).toEqual([b!.run.id]);
    later.advance(100);
    expect((await reaper.runOnce()).reclaimed.map((r) => r.run.id)).toEqual([a!.run.id]);
    expect((await second.listTasks({ status: 'ready' })).length).toBe(2);
    expect((await second.listTasks({ status: 'todo' })).map((t) => t.title)).toEqual(['child']);
  });

  it('a worker process killed mid-run leaves runs that the reopened store reclaims', { timeout: 60_000 }, async () => {
    const setup = await openSqliteStore({ path });
    for (let i = 0; i < 5; i++) await setup.createTask({ title: `task ${i}` });
    await setup.close();

    const worker = spawnClaimWorker<{ held: { task_id: string; run_id: number }[] }>(['hold', path, 'doomed', '3']);
    handles.push(worker);
    const { held } = await worker.message;
    expect(held).toHaveLength(3);
    await killAndWait(worker);

    // The worker claimed with the system clock and a 60 s lease; look at the file from 61 s later.
    const clock = new FakeClock(Date.now() / 1000);
    const store = await open(clock);
    expect((await store.listActiveRuns()).map((r) => r.run_id).sort()).toEqual(held.map((h) => h.run_id).sort());
    expect(await store.reap()).toEqual({ reclaimed: [], timed_out: [] });

    clock.advance(61);
    const reaper = new Reaper({ store });
    const result = await reaper.runOnce();
    expect(result.reclaimed.map((r) => r.run.id).sort()).toEqual(held.map((h) => h.run_id).sort());
    expect(await store.listActiveRuns()).toEqual([]);
    expect((await store.countTasksByStatus()).ready).toBe(5);
    for (const { run_id } of held) expect((await store.getRun(run_id))?.outcome).toBe('reclaimed');
  });
});
