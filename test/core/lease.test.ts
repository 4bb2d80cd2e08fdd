import { describe, expect, it } from 'vitest';
import { InvalidInputError, LeaseLostError } from '../../src/core/errors.js';
import { assertFence, fenceFailure, isOverRuntime, leaseExpiry, validateTtl } from '../../src/core/lease.js';
import { FakeClock } from '../../src/ports/clock.js';
import { makeRun } from './fixtures.js';

describe('leases', () => {
  it('ttl must be > 0 and <= 86400', () => {
    expect(validateTtl(0.5)).toBe(0.5);
    expect(validateTtl(86_400)).toBe(86_400);
    for (const bad of [0, -1, 86_401, Number.NaN, Number.POSITIVE_INFINITY, '30', null]) {
      expect(() => validateTtl(bad)).toThrow(InvalidInputError);
      expect(() => validateTtl(bad)).toThrow(/^ttl_seconds must be a number > 0 and <= 86400/);
    }
  });

  it('expiry is now + ttl and a lease expires only after that instant', () => {
    const clock = new FakeClock();
    const run = makeRun({ claim_expires: leaseExpiry(clock.now(), 30) });
    expect(run.claim_expires).toBe(clock.now() + 30);
    clock.advance(30);
    expect(fenceFailure(run, run.claim_token, clock.now())).toBeNull();
    clock.advance(0.001);
    expect(fenceFailure(run, run.claim_token, clock.now())).toBe('lease expired');
  });

  it('a run is over its runtime only with a limit and past it', () => {
    const clock = new FakeClock();
    const run = makeRun({ started_at: clock.now(), max_runtime_seconds: 60 });
    clock.advance(60);
    expect(isOverRuntime(run, clock.now())).toBe(false);
    clock.advance(1);
    expect(isOverRuntime(run, clock.now())).toBe(true);
    expect(isOverRuntime({ ...run, max_runtime_seconds: null }, clock.now())).toBe(false);
  });

  describe('fencing', () => {
    const clock = new FakeClock();
    const now = clock.now();
    const live = makeRun({ id: 7, claim_token: 'tok', claim_expires: now + 10 });

    it('the live run with its own token passes', () => {
      expect(fenceFailure(live, 'tok', now)).toBeNull();
      expect(() => assertFence(live, 'tok', now)).not.toThrow();
    });

    it.each([
      ['wrong claim token', live, 'tak'],
      ['wrong claim token', live, 'tok-longer'],
      ['run ended as reclaimed', { ...live, ended_at: now, outcome: 'reclaimed' as const }, 'tok'],
      ['run ended as terminated', { ...live, ended_at: now, outcome: 'terminated' as const }, 'tok'],
      ['stop requested', { ...live, stop_requested_at: now }, 'tok'],
      ['lease expired', { ...live, claim_expires: now - 1 }, 'tok'],
    ])('refuses with %j', (reason, run, token) => {
      expect(fenceFailure(run, token, now)).toBe(reason);
      let caught: unknown;
      try {
        assertFence(run, token, now);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(LeaseLostError);
      expect(caught).toMatchObject({ runId: 7, reason, code: 'lease_lost', message: `run 7 lease lost: ${reason}` });
    });

    it('tells a wrong token nothing about how the run ended', () => {
      expect(fenceFailure({ ...live, ended_at: now, outcome: 'reclaimed' }, 'guess', now)).toBe('wrong claim token');
    });
  });
});
