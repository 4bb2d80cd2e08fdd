import { activeRunState } from '../../../core/active-run-state.js';
import type { ActiveRun, ActiveRunState, TaskStatus, WorkerOrigin } from '../../../core/types.js';

/**
 * Only what a listing row shows plus lease_ttl_seconds (its state needs it), from `runs r JOIN tasks t`,
 * in the order of ActiveRunValues. Never the claim_token nor the metadata JSON: a listing of every live
 * run must not read secrets or parse what it does not show.
 */
export const ACTIVE_RUN_COLUMNS = `r.id, r.task_id, t.title, t.status, t.assignee, r.profile, r.worker, r.host,
  r.worker_pid, r.worker_started_at, r.started_at, r.claim_lock, r.claim_expires, r.last_heartbeat_at,
  r.last_progress_at, r.max_runtime_seconds, r.board, r.lease_ttl_seconds, r.worker_origin`;

/** A row of ACTIVE_RUN_COLUMNS read as an array (a driver's raw mode): no per-row object with named columns. */
export type ActiveRunValues = readonly [
  id: number,
  task_id: string,
  task_title: string,
  task_status: TaskStatus,
  task_assignee: string | null,
  profile: string | null,
  worker: string,
  host: string,
  worker_pid: number | null,
  worker_started_at: number | null,
  started_at: number,
  claim_lock: string,
  claim_expires: number,
  last_heartbeat_at: number,
  last_progress_at: number | null,
  max_runtime_seconds: number | null,
  board: string,
  lease_ttl_seconds: number,
  worker_origin: WorkerOrigin | null,
];

/** Fresh listing rows, one per row of ACTIVE_RUN_COLUMNS, with their state at `now`. */
export function activeRunsFromValues(rows: readonly ActiveRunValues[], now: number, progressTimeoutSeconds: number | undefined): ActiveRun[] {
  const options = progressTimeoutSeconds === undefined ? {} : { progress_timeout_seconds: progressTimeoutSeconds };
  return rows.map((v) => activeRunFromValues(v, stateOf(v, now, options)));
}

/** One row of ACTIVE_RUN_COLUMNS as a listing row. */
function activeRunFromValues(v: ActiveRunValues, state: ActiveRunState): ActiveRun {
  return {
    run_id: v[0],
    task_id: v[1],
    task_title: v[2],
    task_status: v[3],
    task_assignee: v[4],
    profile: v[5],
    worker: v[6],
    host: v[7],
    worker_pid: v[8],
    worker_started_at: v[9],
    worker_origin: v[18],
    started_at: v[10],
    claim_lock: v[11],
    claim_expires: v[12],
    last_heartbeat_at: v[13],
    last_progress_at: v[14],
    max_runtime_seconds: v[15],
    board: v[16],
    state,
  };
}

function stateOf(v: ActiveRunValues, now: number, options: { progress_timeout_seconds?: number }): ActiveRunState {
  return activeRunState(
    { started_at: v[10], max_runtime_seconds: v[15], claim_expires: v[12], lease_ttl_seconds: v[17], last_progress_at: v[14] },
    now,
    options,
  );
}

/** Beyond this many distinct listings (boards x timeouts) the memory starts over rather than grow. */
const MAX_LISTINGS = 256;

interface Listing {
  rows: readonly ActiveRunValues[];
  list: ActiveRun[];
  byRun: Map<number, { values: ActiveRunValues; run: ActiveRun }>;
}

/**
 * Keeps the last listing of each kind (board, timeout) and reuses what did not change: a row whose
 * values and state are as before is the same ActiveRun object, and when every row is, the same array.
 * States are judged again on every call. An edge can therefore keep what it derived from an object or
 * an array (its JSON) for as long as the object lives: with a fleet renewing leases, one listing
 * differs from the last in a few rows, not in a thousand.
 */
export class ActiveRunListings {
  private readonly last = new Map<string, Listing>();

  list(key: string, rows: readonly ActiveRunValues[], now: number, progressTimeoutSeconds: number | undefined): ActiveRun[] {
    const options = progressTimeoutSeconds === undefined ? {} : { progress_timeout_seconds: progressTimeoutSeconds };
    const listingKey = `${key}|${progressTimeoutSeconds ?? ''}`;
    const previous = this.last.get(listingKey);
    // The same cached rows: only a state can have moved, and usually none did.
    if (previous?.rows === rows && sameStatesAt(previous.list, rows, now, options)) return previous.list;
    const byRun = new Map<number, { values: ActiveRunValues; run: ActiveRun }>();
    const list = new Array<ActiveRun>(rows.length);
    let unchanged = previous !== undefined && previous.list.length === rows.length;
    for (let i = 0; i < rows.length; i++) {
      const values = rows[i] as ActiveRunValues;
      const state = stateOf(values, now, options);
      const old = previous?.byRun.get(values[0]);
      const run =
        old && old.run.state === state && sameValues(old.values, values)
          ? old.run
          : activeRunFromValues(values, state);
      if (unchanged && previous?.list[i] !== run) unchanged = false;
      list[i] = run;
      byRun.set(values[0], { values, run });
    }
    if (unchanged && previous) {
      // Re-read but equal: remember these rows, so the next call with them takes the short way.
      previous.rows = rows;
      return previous.list;
    }
    if (!previous && this.last.size >= MAX_LISTINGS) this.last.clear();
    this.last.set(listingKey, { rows, list, byRun });
    return list;
  }
}

function sameStatesAt(
  list: readonly ActiveRun[],
  rows: readonly ActiveRunValues[],
  now: number,
  options: { progress_timeout_seconds?: number },
): boolean {
  for (let i = 0; i < rows.length; i++) if (list[i]!.state !== stateOf(rows[i]!, now, options)) return false;
  return true;
}

function sameValues(a: ActiveRunValues, b: ActiveRunValues): boolean {
  if (a === b) return true;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
