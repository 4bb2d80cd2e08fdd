import { activeRunState, activeRunStateHoldsUntil } from '../../../core/active-run-state.js';
import type { ActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRun } from '../../../core/types.js';

/** What a listing reads of a live run: the row it shows without its state, plus lease_ttl_seconds (the state needs it). */
export type ActiveRunRow = Omit<ActiveRun, 'state'> & { lease_ttl_seconds: number };

/**
 * Each field of ActiveRunRow and the column of `runs r JOIN tasks t` it is read from. Never the
 * claim_token nor the metadata JSON: a listing of every live run must not read secrets or parse
 * what it does not show.
 */
const ACTIVE_RUN_SOURCES: { readonly [K in keyof ActiveRunRow]-?: string } = {
  run_id: 'r.id',
  task_id: 'r.task_id',
  task_title: 't.title',
  task_status: 't.status',
  task_assignee: 't.assignee',
  profile: 'r.profile',
  worker: 'r.worker',
  host: 'r.host',
  worker_pid: 'r.worker_pid',
  worker_started_at: 'r.worker_started_at',
  worker_origin: 'r.worker_origin',
  started_at: 'r.started_at',
  claim_lock: 'r.claim_lock',
  claim_expires: 'r.claim_expires',
  last_heartbeat_at: 'r.last_heartbeat_at',
  last_progress_at: 'r.last_progress_at',
  max_runtime_seconds: 'r.max_runtime_seconds',
  board: 'r.board',
  lease_ttl_seconds: 'r.lease_ttl_seconds',
};

const ACTIVE_RUN_FIELDS = Object.keys(ACTIVE_RUN_SOURCES) as (keyof ActiveRunRow)[];

/** The select list of a listing: each column under its field's name, so a row read as an object is an ActiveRunRow. */
export const ACTIVE_RUN_COLUMNS = ACTIVE_RUN_FIELDS.map((field) => `${ACTIVE_RUN_SOURCES[field]} AS ${field}`).join(', ');

/**
 * Rows of ACTIVE_RUN_COLUMNS read as arrays (a driver's raw mode) made ActiveRunRows, by the same list
 * the select list is built from. A thousand wide rows read as arrays and named here cost a third less
 * than the driver naming each column of each row.
 */
export function activeRunRowsFromValues(rows: readonly (readonly unknown[])[]): ActiveRunRow[] {
  return rows.map((values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < ACTIVE_RUN_FIELDS.length; i++) row[ACTIVE_RUN_FIELDS[i]!] = values[i];
    return row as ActiveRunRow;
  });
}

/** Fresh listing rows, each with its state at `now`: the one place a row read becomes an ActiveRun. */
export function activeRunsAt(rows: readonly ActiveRunRow[], now: number, filter: ActiveRunFilter): ActiveRun[] {
  const list = new Array<ActiveRun>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    // Field by field, in the order of the response schema, and without lease_ttl_seconds.
    list[i] = {
      run_id: row.run_id,
      task_id: row.task_id,
      task_title: row.task_title,
      task_status: row.task_status,
      task_assignee: row.task_assignee,
      profile: row.profile,
      worker: row.worker,
      host: row.host,
      worker_pid: row.worker_pid,
      worker_started_at: row.worker_started_at,
      worker_origin: row.worker_origin,
      started_at: row.started_at,
      claim_lock: row.claim_lock,
      claim_expires: row.claim_expires,
      last_heartbeat_at: row.last_heartbeat_at,
      last_progress_at: row.last_progress_at,
      max_runtime_seconds: row.max_runtime_seconds,
      board: row.board,
      state: activeRunState(row, now, filter),
    };
  }
  return list;
}

/** Until when (inclusive) every state of `rows` judged at `now` holds: see activeRunStateHoldsUntil. */
export function activeRunStatesHoldUntil(rows: readonly ActiveRunRow[], now: number, filter: ActiveRunFilter): number {
  let until = Infinity;
  for (const row of rows) until = Math.min(until, activeRunStateHoldsUntil(row, now, filter));
  return until;
}
