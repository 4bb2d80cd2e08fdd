/*
 * The core's decisions where a statement must state them itself (a single-statement fast path, a
 * candidate query), written once for both stores. Each fragment takes the placeholders or expressions
 * it compares against, so SQLite (`@now`) and PostgreSQL (`$1`) interpolate the same text;
 * test/store/decisions.test.ts runs the same cases through both stores and the core function.
 */

/**
 * core/lease.ts fenceFailure(run, token, now) === null, for the run row under `alias` (`r.` or ''):
 * the token is the run's, the run is live, no stop was asked, the lease has not lapsed. The run's id is
 * the caller's to match.
 */
export function fenceHolds(alias: string, p: { token: string; now: string }): string {
  return `${alias}claim_token = ${p.token} AND ${alias}ended_at IS NULL AND ${alias}stop_requested_at IS NULL AND ${alias}claim_expires >= ${p.now}`;
}

/** core/lease.ts reapVerdict(run, now) !== null: a live run whose lease lapsed or whose runtime is over. */
export function reapable(now: string): string {
  return `ended_at IS NULL AND (claim_expires < ${now} OR (max_runtime_seconds IS NOT NULL AND started_at + max_runtime_seconds < ${now}))`;
}
