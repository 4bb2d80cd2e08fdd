import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { newRunFields, validateClaimRequest } from '../../src/core/claim.js';
import { FakeClock } from '../../src/ports/clock.js';
import type { ClaimRequest } from '../../src/ports/store.js';
import { makeTask } from './fixtures.js';

const req: ClaimRequest = { worker: 'w1', host: 'h1', pid: 99, ttl_seconds: 30 };

describe('claim', () => {
  it('opens a run whose lease and liveness start at the claim', () => {
    const clock = new FakeClock();
    clock.advance(123);
    const run = newRunFields(makeTask({ max_runtime_seconds: null }), { ...req, max_runtime_seconds: 90 }, 'tok', clock.now());
    expect(run).toMatchObject({
      claim_token: 'tok',
      claim_lock: 'h1:99',
      claim_expires: clock.now() + 30,
      lease_ttl_seconds: 30,
      last_heartbeat_at: clock.now(),
      started_at: clock.now(),
      last_progress_at: null,
      max_runtime_seconds: 90,
      ended_at: null,
      outcome: null,
    });
    expect(newRunFields(makeTask({ max_runtime_seconds: 10 }), { ...req, max_runtime_seconds: 90 }, 't', 0).max_runtime_seconds).toBe(10);
    expect(newRunFields(makeTask(), { ...req, pid: null }, 't', 0).claim_lock).toBe('h1:-');
  });

  it.each<[string, Partial<ClaimRequest>, RegExp]>([
    ['negative ttl', { ttl_seconds: -1 }, /ttl_seconds/],
    ['worker with a dot', { worker: 'w.1' }, /worker/],
    ['empty host', { host: '' }, /host/],
    ['bad board', { board: 'X' }, /board/],
    ['bad profile', { profile: 'a b' }, /profile/],
    ['bad task id', { task_id: 'nope' }, /task_id/],
    ['bad pid', { pid: -3 }, /pid/],
    ['metadata array', { metadata: [] as never }, /metadata/],
  ])('rejects %s', (_name, patch, message) => {
    expect(() => validateClaimRequest({ ...req, ...patch })).toThrow(InvalidInputError);
    expect(() => validateClaimRequest({ ...req, ...patch })).toThrow(message);
  });
});
