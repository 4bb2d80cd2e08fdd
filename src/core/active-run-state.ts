import { InvalidInputError } from './errors.js';
import type { ActiveRunState, Run } from './types.js';
import { isFiniteNumber, validateBoard } from './validate.js';

export const DEFAULT_PROGRESS_TIMEOUT_SECONDS = 600;
const LEASE_WARNING_CAP_SECONDS = 10;
const LEASE_WARNING_FRACTION = 0.25;

export type ActiveRunTimes = Pick<
  Run,
  'started_at' | 'max_runtime_seconds' | 'claim_expires' | 'lease_ttl_seconds' | 'last_progress_at'
>;

/** Worst first: a run past its runtime matters more than a lease about to lapse, which matters more than silence. */
export function activeRunState(
  run: ActiveRunTimes,
  now: number,
  options: { progress_timeout_seconds?: number } = {},
): ActiveRunState {
  const progressTimeout = options.progress_timeout_seconds ?? DEFAULT_PROGRESS_TIMEOUT_SECONDS;
  if (run.max_runtime_seconds !== null && run.started_at + run.max_runtime_seconds < now) return 'over_runtime';
  const warning = Math.min(LEASE_WARNING_CAP_SECONDS, LEASE_WARNING_FRACTION * run.lease_ttl_seconds);
  if (run.claim_expires - now < warning) return 'lease_expiring';
  if (now - (run.last_progress_at ?? run.started_at) > progressTimeout) return 'stuck';
  return 'healthy';
}

export interface ActiveRunFilter {
  board?: string;
  progress_timeout_seconds?: number;
}

export function validateActiveRunFilter(filter: ActiveRunFilter = {}): ActiveRunFilter {
  if (filter.board !== undefined) validateBoard(filter.board);
  const timeout = filter.progress_timeout_seconds;
  if (timeout !== undefined && !(isFiniteNumber(timeout) && timeout > 0)) {
    throw new InvalidInputError('progress_timeout_seconds must be a number > 0');
  }
  return filter;
}
