import { activeRunState } from '../../../core/active-run-state.js';
import type { ActiveRun, Run, Task, TaskStatus } from '../../../core/types.js';

/** One row of the active-runs listing: the live run, a few task columns, and the state the core computes. */
export function toActiveRun(
  run: Run,
  task: Pick<Task, 'title' | 'status' | 'assignee'>,
  now: number,
  progressTimeoutSeconds: number | undefined,
): ActiveRun {
  return {
    run_id: run.id,
    task_id: run.task_id,
    task_title: task.title,
    task_status: task.status,
    task_assignee: task.assignee,
    profile: run.profile,
    worker: run.worker,
    host: run.host,
    worker_pid: run.worker_pid,
    worker_started_at: run.worker_started_at,
    started_at: run.started_at,
    claim_lock: run.claim_lock,
    claim_expires: run.claim_expires,
    last_heartbeat_at: run.last_heartbeat_at,
    last_progress_at: run.last_progress_at,
    max_runtime_seconds: run.max_runtime_seconds,
    board: run.board,
    state: activeRunState(
      run,
      now,
      progressTimeoutSeconds === undefined ? {} : { progress_timeout_seconds: progressTimeoutSeconds },
    ),
  };
}

/**
 * Only what a listing row shows plus lease_ttl_seconds (its state needs it), from `runs r JOIN tasks t`,
 * in the order of ActiveRunValues. Never the claim_token nor the metadata JSON: a listing of every live
 * run must not read secrets or parse what it does not show.
 */
export const ACTIVE_RUN_COLUMNS = `r.id, r.task_id, t.title, t.status, t.assignee, r.profile, r.worker, r.host,
  r.worker_pid, r.worker_started_at, r.started_at, r.claim_lock, r.claim_expires, r.last_heartbeat_at,
  r.last_progress_at, r.max_runtime_seconds, r.board, r.lease_ttl_seconds`;

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
];

/** The rows of one listing, mapped with one `now` and one timeout; `rows` is only read, so it may be shared. */
export function activeRunsFromValues(
  rows: readonly ActiveRunValues[],
  now: number,
  progressTimeoutSeconds: number | undefined,
): ActiveRun[] {
  const options = progressTimeoutSeconds === undefined ? {} : { progress_timeout_seconds: progressTimeoutSeconds };
  const out = new Array<ActiveRun>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i] as ActiveRunValues;
    const startedAt = v[10];
    const claimExpires = v[12];
    const lastProgressAt = v[14];
    const maxRuntime = v[15];
    out[i] = {
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
      started_at: startedAt,
      claim_lock: v[11],
      claim_expires: claimExpires,
      last_heartbeat_at: v[13],
      last_progress_at: lastProgressAt,
      max_runtime_seconds: maxRuntime,
      board: v[16],
      state: activeRunState(
        {
          started_at: startedAt,
          max_runtime_seconds: maxRuntime,
          claim_expires: claimExpires,
          lease_ttl_seconds: v[17],
          last_progress_at: lastProgressAt,
        },
        now,
        options,
      ),
    };
  }
  return out;
}

/**
 * Hands out the same listing again for the same cached rows while no row's state has moved (states
 * are re-judged on every call; only an unchanged outcome reuses the array). The caller may then keep
 * what it derived from that array, such as its JSON, until the array changes.
 */
export class ActiveRunListings {
  private readonly last = new WeakMap<readonly ActiveRunValues[], { timeout: number | undefined; list: ActiveRun[] }>();

  list(rows: readonly ActiveRunValues[], now: number, progressTimeoutSeconds: number | undefined): ActiveRun[] {
    const fresh = activeRunsFromValues(rows, now, progressTimeoutSeconds);
    const previous = this.last.get(rows);
    if (previous && previous.timeout === progressTimeoutSeconds && sameStates(previous.list, fresh)) return previous.list;
    this.last.set(rows, { timeout: progressTimeoutSeconds, list: fresh });
    return fresh;
  }
}

function sameStates(a: readonly ActiveRun[], b: readonly ActiveRun[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.state !== b[i]!.state) return false;
  return true;
}
