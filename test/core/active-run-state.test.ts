import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { activeRunState, activeRunStateHoldsUntil } from '../../src/core/active-run-state.js';
import { FakeClock } from '../../src/ports/clock.js';
import { makeRun } from './fixtures.js';

describe('activeRunState', () => {
  const clock = new FakeClock();
  const start = clock.now();
  const base = makeRun({ started_at: start, claim_expires: start + 300, lease_ttl_seconds: 300 });

  it('healthy while within runtime, lease and progress timeout', () => {
    expect(activeRunState(base, start + 100)).toBe('healthy');
  });

  it('over_runtime when started_at + max_runtime < now, before anything else', () => {
    const run = { ...base, max_runtime_seconds: 50, claim_expires: start + 52 };
    expect(activeRunState(run, start + 50)).not.toBe('over_runtime');
    expect(activeRunState(run, start + 51)).toBe('over_runtime');
  });

  it('lease_expiring within min(10, 0.25 × ttl) of the lease end', () => {
    expect(activeRunState(base, start + 290)).toBe('healthy');
    expect(activeRunState(base, start + 290.5)).toBe('lease_expiring');
    const short = { ...base, lease_ttl_seconds: 20, claim_expires: start + 20 };
    expect(activeRunState(short, start + 15)).toBe('healthy');
    expect(activeRunState(short, start + 15.5)).toBe('lease_expiring');
    expect(activeRunState(short, start + 25)).toBe('lease_expiring');
  });

  it('stuck after progress_timeout without progress, counted from start or the last progress', () => {
    const run = { ...base, claim_expires: start + 10_000, lease_ttl_seconds: 10_000 };
    expect(activeRunState(run, start + 600)).toBe('healthy');
    expect(activeRunState(run, start + 601)).toBe('stuck');
    expect(activeRunState({ ...run, last_progress_at: start + 500 }, start + 601)).toBe('healthy');
    expect(activeRunState(run, start + 61, { progress_timeout_seconds: 60 })).toBe('stuck');
  });
});

describe('activeRunStateHoldsUntil', () => {
  const times = fc.record({
    started_at: fc.integer({ min: 0, max: 1000 }),
    max_runtime_seconds: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
    claim_expires: fc.integer({ min: 0, max: 2000 }),
    lease_ttl_seconds: fc.integer({ min: 1, max: 600 }),
    last_progress_at: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
  });
  const options = fc.option(fc.record({ progress_timeout_seconds: fc.integer({ min: 1, max: 900 }) }), { nil: undefined });

  it('the state judged at now is the state at every time up to the answer', () => {
    fc.assert(
      fc.property(times, options, fc.double({ min: 0, max: 3000, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (run, opts, now, fraction) => {
        const until = activeRunStateHoldsUntil(run, now, opts);
        expect(until).toBeGreaterThanOrEqual(now);
        const later = Number.isFinite(until) ? Math.min(until, now + (until - now) * fraction) : now + fraction * 1e6;
        expect(activeRunState(run, later, opts)).toBe(activeRunState(run, now, opts));
        if (Number.isFinite(until)) expect(activeRunState(run, until, opts)).toBe(activeRunState(run, now, opts));
      }),
      { seed: 14, numRuns: 2000 },
    );
  });

  it('answers just before the next time a state begins, and Infinity once all are passed', () => {
    const run = { started_at: 0, max_runtime_seconds: 100, claim_expires: 40, lease_ttl_seconds: 40, last_progress_at: null };
    expect(activeRunStateHoldsUntil(run, 0)).toBeCloseTo(30 - 0.001, 9);
    expect(activeRunState(run, 30)).toBe('healthy');
    expect(activeRunState(run, 30.0001)).toBe('lease_expiring');
    // Inside the margin the answer is now itself: every call judges again until the time has passed.
    expect(activeRunStateHoldsUntil(run, 29.9995)).toBe(29.9995);
    expect(activeRunStateHoldsUntil(run, 30.0001)).toBeCloseTo(100 - 0.001, 9);
    expect(activeRunStateHoldsUntil(run, 700)).toBe(Infinity);
  });
});
