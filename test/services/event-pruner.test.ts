import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { FakeClock } from '../../src/ports/clock.js';
import type { Store } from '../../src/ports/store.js';
import { EventPruner } from '../../src/services/event-pruner.js';

describe('EventPruner', () => {
  let dir: string;
  let store: Store;
  let clock: FakeClock;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulseboard-pruner-'));
    clock = new FakeClock();
    store = await openSqliteStore({ path: join(dir, 'db'), clock });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the configured retention: old events go, each task keeps its newest N', async () => {
    const old = await store.createTask({ title: 'old' });
    clock.advance(3 * 86_400);
    const recent = await store.createTask({ title: 'recent' });
    for (let i = 0; i < 5; i++) await store.updateTask(recent.id, { priority: i + 1 });
    const pruner = new EventPruner({ store, clock, retention: { max_age_days: 2, max_events_per_task: 4 }, intervalSeconds: 60 });
    expect(await pruner.runOnce()).toBe(1 + 2);
    expect(await store.listEvents({ task_id: old.id })).toEqual([]);
    expect(await store.listEvents({ task_id: recent.id })).toHaveLength(4);
    expect((await store.listTasks()).map((t) => t.id).sort()).toEqual([old.id, recent.id].sort());
  });

  it('runs a first pass on start and stops cleanly; with no limits it never starts', async () => {
    await store.createTask({ title: 'a' });
    clock.advance(10 * 86_400);
    await store.createTask({ title: 'b' });
    const pruner = new EventPruner({ store, clock, retention: { max_age_days: 1, max_events_per_task: null }, intervalSeconds: 60 });
    pruner.start();
    await expect.poll(async () => (await store.listEvents()).length).toBe(1);
    await pruner.stop();
    const off = new EventPruner({ store, clock, retention: { max_age_days: null, max_events_per_task: null }, intervalSeconds: 60 });
    expect(off.enabled).toBe(false);
    off.start();
    await off.stop();
  });
});
