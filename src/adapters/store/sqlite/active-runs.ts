import { validateActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRun } from '../../../core/types.js';
import { ACTIVE_RUN_COLUMNS, ActiveRunListings } from '../shared/active-run.js';
import type { ActiveRunValues } from '../shared/active-run.js';
import type { ReadContext } from './context.js';
import type { ReadCache } from './read-cache.js';

// The partial index runs_active holds only live runs, so a million ended runs cost nothing here;
// tasks are joined through their unique id, one index lookup per live run.
const ALL_BOARDS = `SELECT ${ACTIVE_RUN_COLUMNS} FROM runs r JOIN tasks t ON t.id = r.task_id
  WHERE r.ended_at IS NULL ORDER BY r.started_at DESC, r.id DESC`;
const ONE_BOARD = `SELECT ${ACTIVE_RUN_COLUMNS} FROM runs r JOIN tasks t ON t.id = r.task_id
  WHERE r.ended_at IS NULL AND r.board = ? ORDER BY r.started_at DESC, r.id DESC`;

const listings = new ActiveRunListings();

/**
 * Every live run with its task, newest first; the rows are re-read only after the database changed,
 * and a run whose row and state did not change is answered with the same object as before.
 */
export function listActiveRuns(
  ctx: ReadContext,
  cache: ReadCache,
  filter: ActiveRunFilter = {},
): ActiveRun[] {
  const { board, progress_timeout_seconds: timeout } = validateActiveRunFilter(filter);
  const rows =
    board === undefined
      ? cache.get('active-runs', () => ctx.q.allRaw<ActiveRunValues>(ALL_BOARDS))
      : cache.get(`active-runs:${board}`, () => ctx.q.allRaw<ActiveRunValues>(ONE_BOARD, board));
  // State depends on the clock, so it is judged on every call; only an unchanged outcome reuses the listing.
  return listings.list(board ?? '', rows, ctx.now, timeout);
}

/**
 * The cached rows of a listing after a lease renewal of `runId` at `now` (claim_expires, last heartbeat,
 * and last progress when the beat carried some): the same array when the run is not in it.
 */
export function renewedRows(
  rows: readonly ActiveRunValues[],
  runId: number,
  renewal: { claim_expires: number; now: number; progressed: boolean },
): readonly ActiveRunValues[] {
  const i = rows.findIndex((row) => row[0] === runId);
  if (i === -1) return rows;
  const row = [...rows[i]!] as unknown as Mutable<ActiveRunValues>;
  row[12] = renewal.claim_expires;
  row[13] = renewal.now;
  if (renewal.progressed) row[14] = renewal.now;
  const copy = rows.slice();
  copy[i] = row;
  return copy;
}

/** The keys under which listActiveRuns caches its rows. */
export function isActiveRunsKey(key: string): boolean {
  return key === 'active-runs' || key.startsWith('active-runs:');
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
