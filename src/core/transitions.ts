import { ConflictError } from './errors.js';
import type { Task, TaskStatus } from './types.js';

export type PatchableStatus = Exclude<TaskStatus, 'running'>;

export interface StatusChange {
  status: TaskStatus;
  /** A person sending a finished or blocked task back to the queue gives it a fresh set of attempts. */
  resetAttempts: boolean;
}

const QUEUED: ReadonlySet<TaskStatus> = new Set(['triage', 'todo', 'ready']);
const SETTLED: ReadonlySet<TaskStatus> = new Set(['blocked', 'done', 'archived']);

/**
 * Decides a status PATCH. Returns null for a no-op. `unfinishedParents` are the ids of the task's
 * parents (after the same patch) that are not done.
 *
 * A running task only leaves `running` through the end of its run, so that its worker is stopped
 * in the same step; `todo` means "waiting on parents", so asking for it when no parent is pending
 * lands on `ready` (a todo task with no parent to wait for would never be picked up).
 */
export function planStatusChange(
  task: Pick<Task, 'id' | 'status'>,
  requested: PatchableStatus,
  unfinishedParents: readonly string[],
): StatusChange | null {
  if (requested === task.status) return null;
  if (task.status === 'running') {
    throw new ConflictError(
      `task ${task.id} is running: stop its run (terminate or reclaim) before moving it to ${requested}`,
    );
  }
  let status: TaskStatus = requested;
  if (requested === 'ready' && unfinishedParents.length > 0) {
    throw new ConflictError(`task ${task.id} has parents not done: ${unfinishedParents.join(', ')}`);
  }
  if (requested === 'todo' && unfinishedParents.length === 0) status = 'ready';
  if (status === task.status) return null;
  return { status, resetAttempts: SETTLED.has(task.status) && QUEUED.has(status) };
}

/** The assignee picks which profile's worker may run the task, so it cannot change under a live run. */
export function assertAssigneeChangeAllowed(task: Pick<Task, 'id' | 'status' | 'assignee'>, assignee: string | null): void {
  if (task.status === 'running' && assignee !== task.assignee) {
    throw new ConflictError(`task ${task.id} is running: stop its run before reassigning it`);
  }
}
