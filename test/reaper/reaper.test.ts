import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { FakeClock } from '../../src/ports/clock.js';
import type { ReapResult, Store } from '../../src/ports/store.js';
import { Reaper } from '../../src/services/reaper.js';

/** The real store, with reap() slowed down and its concurrency recorded. */
function instrument(store: Store, delayMs: number): { store: Store; calls: () => number; maxConcurrent: () => number } {
  let calls = 0;
  let active = 0;
  let maxConcurrent = 0;
  const reap = async (): Promise<ReapResult> => {
    calls++;
    active++;
    maxConcurrent = Math.max(maxConcurrent, active);
    try {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return await store.reap();
    } finally {
      active--;
    }
  };
  const wrapped = new Proxy(store, {
    get: (target, prop, receiver) => (prop === 'reap' ? reap : Reflect.get(target, prop, receiver)),
  });
  return { store: wrapped, calls: () => calls, maxConcurrent: () => maxConcurrent };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Reaper', () => {
  let dir: string;
  let store: Store;
  let clock: FakeClock;
  const reapers: Reaper[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulseboard-reaper-'));
    clock = new FakeClock();
    store = await openSqliteStore({ path: join(dir, 'r.db'), clock });
  });
  afterEach(async () => {
    for (const reaper of reapers.splice(0)) await reaper.stop();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const make = (options: Omit<ConstructorParameters<typeof Reaper>[0], 'store'> & { store?: Store }) => {
    const reaper = new Reaper({ store, ...options });
    reapers.push(reaper);
    return reaper;
  };

  it('runOnce reclaims expired leases and reports them', async () => {
    const task = await store.createTask({ title: 't' });
    const claimed = await store.claim({ worker: 'w', host: 'h', ttl_seconds: 10 });
    const reported: ReapResult[] = [];
    const reaper = make({ onReaped: (r) => void reported.push(r) });

    expect(await reaper.runOnce()).toEqual({ reclaimed: [], timed_out: [] });
    expect(reported).toEqual([]);

    clock.advance(11);
    const result = await reaper.runOnce();
    expect(result.reclaimed.map((r) => r.run.id)).toEqual([claimed!.run.id]);
    expect(reported).toEqual([result]);
    expect((await store.getTask(task.id))?.status).toBe('ready');
  });

  it('the loop reaps on its own and stops when asked', async () => {
    const task = await store.createTask({ title: 't' });
    await store.claim({ worker: 'w', host: 'h', ttl_seconds: 10 });
    const probe = instrument(store, 0);
    const reaper = make({ store: probe.store, intervalSeconds: 0.02 });
    reaper.start();
    reaper.start();
    clock.advance(11);
    await until(async () => (await store.getTask(task.id))?.status === 'ready');

    await reaper.stop();
    await reaper.stop();
    const callsAtStop = probe.calls();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(probe.calls()).toBe(callsAtStop);
    expect(reaper.isRunning).toBe(false);
  });

  it('never runs two passes at once', async () => {
    const probe = instrument(store, 60);
    const reaper = make({ store: probe.store, intervalSeconds: 0.01 });
    const [a, b] = [reaper.runOnce(), reaper.runOnce()];
    expect(a).toBe(b);
    await a;
    expect(probe.calls()).toBe(1);
    reaper.start();
    await until(() => probe.calls() >= 4);
    await reaper.stop();
    expect(probe.maxConcurrent()).toBe(1);
  });

  it('keeps going after a failing pass', async () => {
    const errors: unknown[] = [];
    let failures = 0;
    const reaper = make({
      intervalSeconds: 0.02,
      onReaped: () => {
        failures++;
        throw new Error('listener broke');
      },
      onError: (err) => errors.push(err),
    });
    await store.createTask({ title: 'a' });
    await store.createTask({ title: 'b' });
    await store.claim({ worker: 'w', host: 'h', ttl_seconds: 5 });
    reaper.start();
    clock.advance(6);
    await until(() => errors.length >= 1);
    await store.claim({ worker: 'w', host: 'h', ttl_seconds: 5 });
    clock.advance(6);
    await until(() => errors.length >= 2);
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(String(errors[0])).toContain('listener broke');
  });

  it('rejects a non-positive interval', () => {
    expect(() => new Reaper({ store, intervalSeconds: 0 })).toThrow(RangeError);
  });
});
