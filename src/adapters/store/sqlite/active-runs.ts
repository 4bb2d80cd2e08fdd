import { validateActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRun, Run } from '../../../core/types.js';
import { ACTIVE_RUN_COLUMNS, activeRunRowsFromValues, activeRunRowWith, activeRunsAt, activeRunStatesHoldUntil } from '../shared/active-run.js';
import type { ActiveRunRow } from '../shared/active-run.js';
import type { ReadContext } from './context.js';
import type { ReadCache } from './read-cache.js';

// The partial index runs_active holds only live runs, so a million ended runs cost nothing here;
// tasks are joined through their unique id, one index lookup per live run. Named, because left to
// itself the planner walks runs_started for the ORDER BY, every run ever made: 520-590 ms against
// 3.6-4.3 ms for 1,000 live among 1,000,000 ended runs, sorting the live ones included.
export const ACTIVE_RUNS_SQL = {
  allBoards: `SELECT ${ACTIVE_RUN_COLUMNS} FROM runs r INDEXED BY runs_active JOIN tasks t ON t.id = r.task_id
  WHERE r.ended_at IS NULL ORDER BY r.started_at DESC, r.id DESC`,
  oneBoard: `SELECT ${ACTIVE_RUN_COLUMNS} FROM runs r INDEXED BY runs_active JOIN tasks t ON t.id = r.task_id
  WHERE r.ended_at IS NULL AND r.board = ? ORDER BY r.started_at DESC, r.id DESC`,
};

/**
 * Every live run with its task, newest first, as fresh objects but for the unchanged runs of
 * `previous` (see activeRunsAt); the rows behind them are re-read only after the database changed.
 * State depends on the clock, so it is judged on every call.
 */
export function listActiveRuns(ctx: ReadContext, cache: ReadCache, filter: ActiveRunFilter = {}, previous?: readonly ActiveRun[]): ActiveRun[] {
  const valid = validateActiveRunFilter(filter);
  return activeRunsAt(cachedRows(ctx, cache, valid.board), ctx.now, valid, previous);
}

/**
 * The database's version and the time until which every listed state holds (kept with the rows, and
 * found again only once it passed): a dashboard polling an idle fleet is answered without a listing.
 */
export function activeRunsStamp(ctx: ReadContext, cache: ReadCache, filter: ActiveRunFilter = {}): string {
  const valid = validateActiveRunFilter(filter);
  const rows = cachedRows(ctx, cache, valid.board);
  // Kept beside the rows, not under their key: a carried renewal leaves it, which is safe because a
  // renewal only moves a run's boundaries later, so the time kept can only be too early.
  const holds = cache.get(`${STATES_HOLD_KEY}:${valid.board ?? ''}:${valid.progress_timeout_seconds ?? ''}`, () => ({ until: -Infinity }));
  if (!(ctx.now <= holds.until)) holds.until = activeRunStatesHoldUntil(rows, ctx.now, valid);
  return `${cache.version()}@${holds.until}`;
}

function cachedRows(ctx: ReadContext, cache: ReadCache, board: string | undefined): readonly ActiveRunRow[] {
  return board === undefined
    ? cache.get(ACTIVE_RUNS_KEY, () => activeRunRowsFromValues(ctx.q.allRaw(ACTIVE_RUNS_SQL.allBoards)))
    : cache.get(`${ACTIVE_RUNS_KEY}:${board}`, () => activeRunRowsFromValues(ctx.q.allRaw(ACTIVE_RUNS_SQL.oneBoard, board)));
}

/** The fields a lease renewal writes, as its UPDATE returned them. */
export type LeaseRenewal = Pick<Run, 'claim_expires' | 'last_heartbeat_at' | 'last_progress_at'>;

/**
 * The cached rows of a listing after `runId` renewed its lease: that run's row with the renewal's
 * fields, the others as they were; the same array when the run is not in it.
 */
export function renewedRows(rows: readonly ActiveRunRow[], runId: number, renewal: LeaseRenewal): readonly ActiveRunRow[] {
  const i = rows.findIndex((row) => row.run_id === runId);
  if (i === -1) return rows;
  const copy = rows.slice();
  copy[i] = activeRunRowWith(rows[i]!, renewal);
  return copy;
}

const ACTIVE_RUNS_KEY = 'active-runs';
const STATES_HOLD_KEY = 'active-run-states-hold';

/** The keys under which listActiveRuns caches its rows. */
export function isActiveRunsKey(key: string): boolean {
  return key === ACTIVE_RUNS_KEY || key.startsWith(`${ACTIVE_RUNS_KEY}:`);
}
