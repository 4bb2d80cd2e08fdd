import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/adapters/bus/memory.js';
import { FakeClock } from '../../src/ports/clock.js';
import type { Bus } from '../../src/ports/bus.js';
import type { RegistryRow } from '../../src/core/registry-status.js';
import { Registry } from '../../src/services/registry.js';
import { eventually } from '../bus/helpers.js';

const T0 = 1_700_000_000;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(known: Iterable<string> = ['collector', 'sniffer'], checkEverySeconds?: number) {
  const bus: Bus = createMemoryBus();
  const clock = new FakeClock(T0);
  const registry = new Registry({ bus, clock, intervalSeconds: 30, known, ...(checkEverySeconds ? { checkEverySeconds } : {}) });
  const changes: RegistryRow[] = [];
  registry.onChange((row) => changes.push(row));
  cleanups.push(() => registry.stop(), () => bus.close());
  return { bus, clock, registry, changes };
}

function row(registry: Registry, name: string): RegistryRow {
  const found = registry.snapshot().find((r) => r.name === name);
  if (!found) throw new Error(`no row for ${name}`);
  return found;
}

describe('Registry', () => {
  it('lists every known worker alphabetically, unknown until heard', () => {
    const { registry } = setup(['sniffer', 'api', 'Zed', 'collector']);
    registry.addKnown('beta');
    registry.addKnown('api');
    expect(registry.snapshot()).toEqual(
      ['Zed', 'api', 'beta', 'collector', 'sniffer'].map((name) => ({
        name,
        status: 'unknown',
        last_heartbeat_ts: null,
        seconds_since: null,
        extra: {},
        host: null,
        pid: null,
        uptime_s: null,
      })),
    );
    expect(registry.isKnown('beta')).toBe(true);
    expect(registry.isKnown('gamma')).toBe(false);
  });

  it('shows a heard worker ok with its receive time, host, pid and extra', () => {
    const { registry, clock } = setup();
    clock.advance(5);
    expect(registry.record('collector', { ts: 1, uptime_s: 12, pid: 4321, host: 'box1', name: 'x', queue: 7 })).toBe(true);
    clock.advance(2.5);
    expect(row(registry, 'collector')).toEqual({
      name: 'collector',
      status: 'ok',
      last_heartbeat_ts: T0 + 5,
      seconds_since: 2.5,
      extra: { queue: 7 },
      uptime_s: 12,
      host: 'box1',
      pid: 4321,
    });
    expect(row(registry, 'sniffer').status).toBe('unknown');
  });

  it('turns stale at exactly three intervals after the last receive', () => {
    const { registry, clock } = setup();
    registry.record('collector', {});
    clock.advance(89.999);
    expect(row(registry, 'collector').status).toBe('ok');
    clock.set(T0 + 90);
    expect(row(registry, 'collector').status).toBe('stale');
    expect(row(registry, 'collector').seconds_since).toBe(90);
  });

  it('ignores the payload timestamp: a forged future ts cannot keep a worker ok', () => {
    const { registry, clock } = setup();
    registry.record('collector', { ts: T0 + 10_000_000 });
    expect(row(registry, 'collector').last_heartbeat_ts).toBe(T0);
    clock.advance(90);
    expect(row(registry, 'collector').status).toBe('stale');
  });

  it('drops and counts beats of unknown names, and never grows a row for them', () => {
    const { registry } = setup();
    expect(registry.record('intruder', { ts: T0 })).toBe(false);
    expect(registry.record('intruder', { ts: T0 })).toBe(false);
    registry.record('collector', {});
    expect(registry.stats()).toMatchObject({ received: 3, dropped_unknown: 2 });
    expect(registry.snapshot().map((r) => r.name)).toEqual(['collector', 'sniffer']);
    registry.addKnown('intruder');
    expect(row(registry, 'intruder').status).toBe('unknown');
  });

  it('keeps ts, name, pid, host and uptime_s out of extra, and nulls host/pid of the wrong type', () => {
    const { registry } = setup();
    registry.record('collector', { ts: 5, name: 'sniffer', pid: 'one', host: 42, uptime_s: 9, load: [1, 2] });
    expect(row(registry, 'collector')).toMatchObject({ extra: { load: [1, 2] }, host: null, pid: null });
    registry.record('sniffer', 'not an object');
    expect(row(registry, 'sniffer')).toMatchObject({ status: 'ok', extra: {}, host: null, pid: null });
  });

  it('lists the configured workers in their configured order, then the others by name', () => {
    const bus: Bus = createMemoryBus();
    const registry = new Registry({
      bus,
      clock: new FakeClock(T0),
      intervalSeconds: 30,
      configured: ['zeta', 'alpha', 'mid'],
      known: ['api', 'worker-b', 'alpha'],
    });
    cleanups.push(() => bus.close());
    registry.addKnown('worker-a');
    expect(registry.snapshot().map((r) => r.name)).toEqual(['zeta', 'alpha', 'mid', 'api', 'worker-a', 'worker-b']);
    expect(registry.isKnown('zeta')).toBe(true);
  });

  it('does not let a snapshot reader change the stored extra', () => {
    const { registry } = setup();
    registry.record('collector', { queue: 1 });
    row(registry, 'collector').extra.queue = 99;
    expect(row(registry, 'collector').extra).toEqual({ queue: 1 });
  });

  it('keeps the newest beat when an older one arrives late', () => {
    const { registry } = setup();
    registry.record('collector', { queue: 'new' }, T0 + 10);
    registry.record('collector', { queue: 'old' }, T0 + 5);
    expect(row(registry, 'collector')).toMatchObject({ last_heartbeat_ts: T0 + 10, extra: { queue: 'new' } });
  });

  it('tells listeners of unknown→ok, ok→stale and stale→ok, and of nothing else', () => {
    const { registry, clock, changes } = setup();
    registry.record('collector', {});
    clock.advance(10);
    registry.record('collector', {});
    registry.evaluate();
    clock.advance(89);
    registry.evaluate();
    expect(changes.map((r) => `${r.name}:${r.status}`)).toEqual(['collector:ok']);
    clock.advance(1);
    registry.evaluate();
    registry.evaluate();
    clock.advance(5);
    registry.record('collector', { back: true });
    expect(changes.map((r) => `${r.name}:${r.status}`)).toEqual(['collector:ok', 'collector:stale', 'collector:ok']);
    expect(changes[1]).toMatchObject({ last_heartbeat_ts: T0 + 10, seconds_since: 90 });
    expect(changes[2]).toMatchObject({ extra: { back: true }, seconds_since: 0 });
  });

  it('keeps telling the other listeners when one throws, and stops telling one that unsubscribed', () => {
    const { registry, changes } = setup();
    registry.onChange(() => {
      throw new Error('faulty listener');
    });
    const late: RegistryRow[] = [];
    const unsubscribe = registry.onChange((r) => late.push(r));
    unsubscribe();
    registry.record('collector', {});
    expect(changes).toHaveLength(1);
    expect(late).toHaveLength(0);
    expect(registry.stats().listener_errors).toBe(1);
  });

  it('records beats from system.*.health once started, and none once stopped; start and stop are idempotent', async () => {
    const { bus, registry } = setup();
    registry.start();
    registry.start();
    bus.publish('system.collector.health', { ts: 1, pid: 77, host: 'h', queue: 1 });
    bus.publish('system.collector.control', { action: 'stop' });
    bus.publish('system.intruder.health', {});
    await eventually(() => registry.stats().received === 2, 'both health beats received');
    expect(registry.stats()).toMatchObject({ received: 2, dropped_unknown: 1 });
    expect(row(registry, 'collector')).toMatchObject({ status: 'ok', pid: 77, host: 'h', extra: { queue: 1 } });

    registry.stop();
    registry.stop();
    bus.publish('system.sniffer.health', {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(row(registry, 'sniffer').status).toBe('unknown');

    registry.start();
    bus.publish('system.sniffer.health', {});
    await eventually(() => row(registry, 'sniffer').status === 'ok', 'a restarted registry hears beats again');
    expect(registry.stats().received).toBe(3);
  });

  it('notices a worker going stale on its own timer while started', async () => {
    const { registry, clock, changes } = setup(['collector'], 0.02);
    registry.start();
    registry.record('collector', {});
    clock.advance(90);
    await eventually(() => changes.length === 2, 'the timer reports the stale worker');
    expect(changes.map((r) => r.status)).toEqual(['ok', 'stale']);
    registry.stop();
    registry.record('collector', {});
    clock.advance(90);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(changes.map((r) => r.status)).toEqual(['ok', 'stale', 'ok']);
  });

  it('handles a fleet of 10,000 workers', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `w${String(9_999 - i).padStart(5, '0')}`);
    const { registry, clock, changes } = setup(names);
    for (const [i, name] of names.entries()) {
      if (i % 2 === 0) registry.record(name, { i });
    }
    clock.advance(60);
    for (const [i, name] of names.entries()) {
      if (i % 4 === 0) registry.record(name, { i });
    }
    clock.advance(45);
    registry.evaluate();
    const rows = registry.snapshot();
    expect(rows).toHaveLength(10_000);
    expect(rows[0]?.name).toBe('w00000');
    expect(rows.at(-1)?.name).toBe('w09999');
    const count = (status: string) => rows.filter((r) => r.status === status).length;
    expect({ ok: count('ok'), stale: count('stale'), unknown: count('unknown') }).toEqual({
      ok: 2_500,
      stale: 2_500,
      unknown: 5_000,
    });
    expect(changes.filter((r) => r.status === 'stale')).toHaveLength(2_500);
  });
});
