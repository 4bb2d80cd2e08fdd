import { constantTimeEquals } from './constant-time.js';
import { InvalidInputError, LeaseLostError } from './errors.js';
import type { Run } from './types.js';

export const MAX_TTL_SECONDS = 86_400;

export function validateTtl(ttl: unknown): number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS) {
    throw new InvalidInputError(`ttl_seconds must be a number > 0 and <= ${MAX_TTL_SECONDS}, got ${String(ttl)}`);
  }
  return ttl;
}

export function leaseExpiry(now: number, ttlSeconds: number): number {
  return now + ttlSeconds;
}

export function isOverRuntime(run: Pick<Run, 'ended_at' | 'started_at' | 'max_runtime_seconds'>, now: number): boolean {
  return run.ended_at === null && run.max_runtime_seconds !== null && run.started_at + run.max_runtime_seconds < now;
}

/** What the reaper does to a live run: time it out past its runtime, else reclaim it once its lease lapsed. */
export interface ReapVerdict {
  outcome: 'timed_out' | 'reclaimed';
  actor: 'reaper';
  reason: 'max runtime exceeded' | 'lease expired';
}

/**
 * The reaper's verdict on a run at `now`, or null when the run is left alone (ended, or within its
 * lease and runtime). The stores select candidates with the same condition in SQL
 * (adapters/store/shared/decision-sql.ts, reapable); test/store/decisions.test.ts holds them together.
 */
export function reapVerdict(
  run: Pick<Run, 'ended_at' | 'started_at' | 'max_runtime_seconds' | 'claim_expires'>,
  now: number,
): ReapVerdict | null {
  if (run.ended_at !== null) return null;
  if (isOverRuntime(run, now)) return { outcome: 'timed_out', actor: 'reaper', reason: 'max runtime exceeded' };
  if (run.claim_expires < now) return { outcome: 'reclaimed', actor: 'reaper', reason: 'lease expired' };
  return null;
}

/**
 * Why a heartbeat or completion with this token must be refused, or null when the token still holds
 * the run. The stores' single-statement paths state `null` in SQL (shared/decision-sql.ts, fenceHolds).
 */
export function fenceFailure(
  run: Pick<Run, 'claim_token' | 'ended_at' | 'outcome' | 'stop_requested_at' | 'claim_expires'>,
  token: string,
  now: number,
): string | null {
  // The token is checked first so that only the run's own worker learns how its run ended.
  if (typeof token !== 'string' || !constantTimeEquals(run.claim_token, token)) return 'wrong claim token';
  if (run.ended_at !== null) return `run ended as ${run.outcome ?? 'unknown'}`;
  if (run.stop_requested_at !== null) return 'stop requested';
  if (run.claim_expires < now) return 'lease expired';
  return null;
}

export function assertFence(
  run: Pick<Run, 'id' | 'claim_token' | 'ended_at' | 'outcome' | 'stop_requested_at' | 'claim_expires'>,
  token: string,
  now: number,
): void {
  const reason = fenceFailure(run, token, now);
  if (reason !== null) throw new LeaseLostError(run.id, reason);
}
