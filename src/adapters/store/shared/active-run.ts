import { activeRunState } from '../../../core/active-run-state.js';
import type { ActiveRun, Run, Task } from '../../../core/types.js';

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
