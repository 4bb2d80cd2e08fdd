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
  if (pastRuntime(run, now)) return 'over_runtime';
  if (leaseEnding(run, now)) return 'lease_expiring';
  if (silent(run, now, options)) return 'stuck';
  return 'healthy';
}

// Each state but healthy begins once the clock passes a time of the run's own, and stays on while the
// run's fields stay as they are (the clock only moves on). Each test and its time are written together.

function pastRuntime(run: ActiveRunTimes, now: number): boolean {
  return run.max_runtime_seconds !== null && run.started_at + run.max_runtime_seconds < now;
}
function runtimeEnds(run: ActiveRunTimes): number {
  return run.max_runtime_seconds === null ? Infinity : run.started_at + run.max_runtime_seconds;
}

function leaseWarning(run: ActiveRunTimes): number {
  return Math.min(LEASE_WARNING_CAP_SECONDS, LEASE_WARNING_FRACTION * run.lease_ttl_seconds);
}
function leaseEnding(run: ActiveRunTimes, now: number): boolean {
  return run.claim_expires - now < leaseWarning(run);
}
function leaseWarningBegins(run: ActiveRunTimes): number {
  return run.claim_expires - leaseWarning(run);
}

function progressTimeout(options: { progress_timeout_seconds?: number }): number {
  return options.progress_timeout_seconds ?? DEFAULT_PROGRESS_TIMEOUT_SECONDS;
}
function silent(run: ActiveRunTimes, now: number, options: { progress_timeout_seconds?: number }): boolean {
  return now - (run.last_progress_at ?? run.started_at) > progressTimeout(options);
}
function silenceBegins(run: ActiveRunTimes, options: { progress_timeout_seconds?: number }): number {
  return (run.last_progress_at ?? run.started_at) + progressTimeout(options);
}

/** Times are judged this long early: floating-point rounding may pass one a few ulps before it. */
const MARGIN_SECONDS = 0.001;

/**
 * Until when (inclusive) `activeRunState` of this run surely answers as at `now`, its fields unchanged:
 * just before the earliest of its times not yet passed, Infinity when none is ahead. A listing judged
 * at `now` holds that long without being judged again.
 */
export function activeRunStateHoldsUntil(
  run: ActiveRunTimes,
  now: number,
  options: { progress_timeout_seconds?: number } = {},
): number {
  let until = Infinity;
  const ahead = (at: number) => {
    until = Math.min(until, Math.max(now, at - MARGIN_SECONDS));
  };
  if (!pastRuntime(run, now)) ahead(runtimeEnds(run));
  if (!leaseEnding(run, now)) ahead(leaseWarningBegins(run));
  if (!silent(run, now, options)) ahead(silenceBegins(run, options));
  return until;
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
