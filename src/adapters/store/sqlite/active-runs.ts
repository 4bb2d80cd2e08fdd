import { validateActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRun, Run } from '../../../core/types.js';
import { ACTIVE_RUN_COLUMNS, activeRunRowsFromValues, activeRunsAt } from '../shared/active-run.js';
import type { ActiveRunRow } from '../shared/active-run.js';
import type { ReadContext } from './context.js';
import type { ReadCache } from './read-cache.js';

// The partial index runs_active holds only live runs, so a million ended runs cost nothing here;
// tasks are joined through their unique id, one index lookup per live run.
const ALL_BOARDS = `SELECT ${ACTIVE_RUN_COLUMNS} FROM runs r JOIN tasks t ON t.id = r.task_id
  WHERE r.ended_at IS NULL ORDER BY r.started_at DESC, r.id DESC`;
const ONE_BOARD = `SELECT ${ACTIVE_RUN_COLUMNS} FROM runs r JOIN tasks t ON t.id = r.task_id
  WHERE r.ended_at IS NULL AND r.board = ? ORDER BY r.started_at DESC, r.id DESC`;

/**
 * Every live run with its task, newest first, as fresh objects; the rows behind them are re-read only
 * after the database changed. State depends on the clock, so it is judged on every call.
 */
export function listActiveRuns(ctx: ReadContext, cache: ReadCache, filter: ActiveRunFilter = {}): ActiveRun[] {
  const valid = validateActiveRunFilter(filter);
  const board = valid.board;
  const rows =
    board === undefined
      ? cache.get(ACTIVE_RUNS_KEY, () => activeRunRowsFromValues(ctx.q.allRaw(ALL_BOARDS)))
      : cache.get(`${ACTIVE_RUNS_KEY}:${board}`, () => activeRunRowsFromValues(ctx.q.allRaw(ONE_BOARD, board)));
  return activeRunsAt(rows, ctx.now, valid);
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
  copy[i] = { ...rows[i]!, ...renewal };
  return copy;
}

const ACTIVE_RUNS_KEY = 'active-runs';

/** The keys under which listActiveRuns caches its rows. */
export function isActiveRunsKey(key: string): boolean {
  return key === ACTIVE_RUNS_KEY || key.startsWith(`${ACTIVE_RUNS_KEY}:`);
}
