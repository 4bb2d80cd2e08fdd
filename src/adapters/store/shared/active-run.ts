import { activeRunState, activeRunStateHoldsUntil } from '../../../core/active-run-state.js';
import type { ActiveRunFilter } from '../../../core/active-run-state.js';
import { PositionalLookup } from '../../../core/positional-lookup.js';
import type { ActiveRun, ActiveRunState } from '../../../core/types.js';

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

/**
 * `row` with `changes` applied, built field by field as a row read is, so both have one hidden class:
 * a spread copy had another, and the listing's functions, having seen both, were deoptimised and
 * compiled again while a fleet's first renewals came in (`node --trace-deopt`: "wrong map").
 */
export function activeRunRowWith(row: ActiveRunRow, changes: Partial<ActiveRunRow>): ActiveRunRow {
  const next: Record<string, unknown> = {};
  for (const field of ACTIVE_RUN_FIELDS) next[field] = field in changes ? changes[field] : row[field];
  return next as ActiveRunRow;
}

/**
 * The listing rows as ActiveRuns with their state at `now`: the one place a row read becomes an
 * ActiveRun. A run of `previous` (an earlier answer the caller kept) whose every field and state are
 * as now is answered as that object; any other run is a fresh one. Compared field by field, never
 * trusted: a caller that changed an object it kept gets a fresh one. While a fleet renews leases a
 * listing differs from the last in a row or two, and the thousand fresh objects a listing made were
 * half of what the server allocated (bench/README.md, visibility).
 */
export function activeRunsAt(rows: readonly ActiveRunRow[], now: number, filter: ActiveRunFilter, previous?: readonly ActiveRun[]): ActiveRun[] {
  const list = new Array<ActiveRun>(rows.length);
  const kept = previous === undefined ? undefined : new PositionalLookup(previous, (run) => run.run_id);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const state = activeRunState(row, now, filter);
    const before = kept?.at(i, row.run_id);
    list[i] = before !== undefined && isRowAt(before, row, state) ? before : activeRunOf(row, state);
  }
  return list;
}

function activeRunOf(row: ActiveRunRow, state: ActiveRunState): ActiveRun {
  // Field by field, in the order of the response schema, and without lease_ttl_seconds.
  return {
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
    state,
  };
}

/**
 * Whether `run` shows `row` with `state`. Field by field, written out: a loop over the field names
 * would be a keyed (megamorphic) load per field, several times slower with a thousand runs a listing.
 * Compared makes the compiler check that no field of ActiveRun is left out.
 */
function isRowAt(run: ActiveRun, row: ActiveRunRow, state: ActiveRunState): boolean {
  return (
    run.run_id === row.run_id &&
    run.task_id === row.task_id &&
    run.task_title === row.task_title &&
    run.task_status === row.task_status &&
    run.task_assignee === row.task_assignee &&
    run.profile === row.profile &&
    run.worker === row.worker &&
    run.host === row.host &&
    run.worker_pid === row.worker_pid &&
    run.worker_started_at === row.worker_started_at &&
    run.worker_origin === row.worker_origin &&
    run.started_at === row.started_at &&
    run.claim_lock === row.claim_lock &&
    run.claim_expires === row.claim_expires &&
    run.last_heartbeat_at === row.last_heartbeat_at &&
    run.last_progress_at === row.last_progress_at &&
    run.max_runtime_seconds === row.max_runtime_seconds &&
    run.board === row.board &&
    run.state === state
  );
}

type Compared =
  | 'run_id'
  | 'task_id'
  | 'task_title'
  | 'task_status'
  | 'task_assignee'
  | 'profile'
  | 'worker'
  | 'host'
  | 'worker_pid'
  | 'worker_started_at'
  | 'worker_origin'
  | 'started_at'
  | 'claim_lock'
  | 'claim_expires'
  | 'last_heartbeat_at'
  | 'last_progress_at'
  | 'max_runtime_seconds'
  | 'board'
  | 'state';
// A compile error here names a field of ActiveRun that isRowAt does not compare: add it to both.
const _everyFieldCompared: [Exclude<keyof ActiveRun, Compared>] extends [never] ? true : never = true;

/** Until when (inclusive) every state of `rows` judged at `now` holds: see activeRunStateHoldsUntil. */
export function activeRunStatesHoldUntil(rows: readonly ActiveRunRow[], now: number, filter: ActiveRunFilter): number {
  let until = Infinity;
  for (const row of rows) until = Math.min(until, activeRunStateHoldsUntil(row, now, filter));
  return until;
}
