import { describe, expect, it } from 'vitest';
import { activeRunState } from '../../src/core/active-run-state.js';
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
