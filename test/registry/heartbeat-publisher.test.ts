import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/adapters/bus/memory.js';
import { FakeClock } from '../../src/ports/clock.js';
import { startHeartbeat } from '../../src/services/heartbeat-publisher.js';
import type { Heartbeat } from '../../src/services/heartbeat-publisher.js';
import { InvalidSubjectError } from '../../src/core/subjects.js';
import { eventually, take } from '../bus/helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(heartbeat: Heartbeat): Heartbeat {
  cleanups.push(() => heartbeat.stop());
  return heartbeat;
}

function memoryBus() {
  const bus = createMemoryBus();
  cleanups.push(() => bus.close());
  return bus;
}

describe('startHeartbeat (bus)', () => {
  it('publishes the base beat with extra right away on system.<name>.health', async () => {
    const bus = memoryBus();
    const sub = bus.subscribe('system.*.health');
    const clock = new FakeClock(5000);
    const beat = track(
      startHeartbeat({ bus, name: 'collector', intervalSeconds: 3600, host: 'box1', clock, extra: () => ({ queue: 3 }) }),
    );
    const [message] = await take(sub, 1);
    expect(message?.subject).toBe('system.collector.health');
    expect(message?.data).toMatchObject({ ts: 5000, pid: process.pid, host: 'box1', queue: 3 });
    const uptime = (message?.data as { uptime_s: number }).uptime_s;
    expect(uptime).toBeGreaterThanOrEqual(0);
    expect(uptime).toBeLessThan(process.uptime() + 1);
    expect(beat.stats()).toMatchObject({ sent: 1, failed: 0, extra_failed: 0 });
  });

  it('keeps beating every interval, with uptime following the clock', async () => {
    const bus = memoryBus();
    const sub = bus.subscribe<{ uptime_s: number; ts: number }>('system.w.health');
    const clock = new FakeClock(100);
    track(startHeartbeat({ bus, name: 'w', intervalSeconds: 0.05, clock }));
    const [first] = await take(sub, 1);
    clock.advance(10);
    const [second] = await take(sub, 1);
    expect(second!.data.ts - first!.data.ts).toBe(10);
    expect(second!.data.uptime_s - first!.data.uptime_s).toBeCloseTo(10, 6);
    await take(sub, 3);
  });

  it('extra cannot overwrite who sent the beat or when', async () => {
    const bus = memoryBus();
    const sub = bus.subscribe('system.w.health');
    track(
      startHeartbeat({
        bus,
        name: 'w',
        intervalSeconds: 3600,
        host: 'real',
        clock: new FakeClock(1),
        extra: () => ({ ts: 9e12, pid: -1, host: 'forged', note: 'kept' }),
      }),
    );
    expect((await take(sub, 1))[0]?.data).toMatchObject({ ts: 1, pid: process.pid, host: 'real', note: 'kept' });
  });

  it.each([
    ['throws', () => { throw new Error('boom'); }],
    ['rejects', () => Promise.reject(new Error('boom'))],
    ['returns no object', () => 'text' as unknown as Record<string, unknown>],
  ])('still sends the base beat when extra %s', async (_label, extra) => {
    const bus = memoryBus();
    const sub = bus.subscribe<Record<string, unknown>>('system.w.health');
    const beat = track(startHeartbeat({ bus, name: 'w', intervalSeconds: 3600, host: 'h', extra }));
    const [message] = await take(sub, 1);
    expect(Object.keys(message!.data).sort()).toEqual(['host', 'pid', 'ts', 'uptime_s']);
    expect(beat.stats()).toMatchObject({ sent: 1, extra_failed: 1 });
  });

  it('sends the base beat when extra hangs longer than an interval', async () => {
    const bus = memoryBus();
    const sub = bus.subscribe<Record<string, unknown>>('system.w.health');
    const beat = track(startHeartbeat({ bus, name: 'w', intervalSeconds: 0.1, extra: () => new Promise(() => {}) }));
    const [message] = await take(sub, 1);
    expect(Object.keys(message!.data).sort()).toEqual(['host', 'pid', 'ts', 'uptime_s']);
    expect(beat.stats().extra_failed).toBeGreaterThanOrEqual(1);
  });

  it('stop is idempotent and nothing is published after it', async () => {
    const bus = memoryBus();
    const sub = bus.subscribe('system.w.health');
    const beat = startHeartbeat({ bus, name: 'w', intervalSeconds: 0.02 });
    await take(sub, 2);
    beat.stop();
    beat.stop();
    const sentAtStop = beat.stats().sent;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(beat.stats().sent).toBe(sentAtStop);
    bus.publish('system.w.health', 'marker');
    const rest = await take(sub, 1);
    expect(rest.map((m) => m.data)).toEqual(['marker']);
  });

  it('a beat gathering extra when stopped is not sent', async () => {
    const bus = memoryBus();
    const sub = bus.subscribe('system.w.health');
    let release: (value: Record<string, unknown>) => void = () => undefined;
    const beat = startHeartbeat({
      bus,
      name: 'w',
      intervalSeconds: 3600,
      extra: () => new Promise((resolve) => (release = resolve)),
    });
    beat.stop();
    release({ late: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    bus.publish('system.w.health', 'marker');
    expect((await take(sub, 1))[0]?.data).toBe('marker');
    expect(beat.stats().sent).toBe(0);
  });

  it('counts a failed publish instead of throwing', async () => {
    const bus = createMemoryBus();
    await bus.close();
    const beat = track(startHeartbeat({ bus, name: 'w', intervalSeconds: 3600 }));
    await eventually(() => beat.stats().failed === 1, 'the failed publish is counted');
    expect(beat.stats().last_error).toMatch(/closed/);
  });

  it('refuses a name that is not a subject token and a non-positive interval', () => {
    const bus = memoryBus();
    expect(() => startHeartbeat({ bus, name: 'a.b', intervalSeconds: 1 })).toThrow(InvalidSubjectError);
    expect(() => startHeartbeat({ bus, name: 'a', intervalSeconds: 0 })).toThrow(RangeError);
  });
});
