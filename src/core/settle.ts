import { ConflictError } from './errors.js';
import type { Json, Outcome, Run, StopDestination, Task, TaskStatus } from './types.js';

/** The outcomes after which the task goes back to the queue while it has attempts left. */
export const RETRYABLE_OUTCOMES: ReadonlySet<Outcome> = new Set([
  'failed',
  'crashed',
  'timed_out',
  'reclaimed',
  'spawn_failed',
]);

export interface SettleInput {
  outcome: Exclude<Outcome, 'gave_up'>;
  /** A person's explicit destination; overrides the retry rules. */
  then?: StopDestination;
}

export interface Settlement {
  outcome: Outcome;
  task_status: TaskStatus;
  ended_at: number;
  /** The run's metadata after the settlement (gave_up records the outcome it replaced as `cause`). */
  metadata: Record<string, Json>;
}

/**
 * Decides how a live run ends and where its task goes. `allParentsDone` only matters for a requeue:
 * a task whose parent was reopened meanwhile waits in todo instead of ready.
 */
export function settleRun(
  task: Pick<Task, 'id' | 'status' | 'attempts' | 'max_attempts' | 'current_run_id'>,
  run: Pick<Run, 'id' | 'ended_at' | 'metadata'>,
  input: SettleInput,
  now: number,
  allParentsDone = true,
): Settlement {
  if (run.ended_at !== null) throw new ConflictError(`run ${run.id} already ended`);
  const queued: TaskStatus = allParentsDone ? 'ready' : 'todo';
  let outcome: Outcome = input.outcome;
  let metadata = run.metadata;
  let next: TaskStatus;
  if (input.then !== undefined) {
    next = destinationStatus(input.then, queued);
  } else if (input.outcome === 'completed') {
    next = 'done';
  } else if (input.outcome === 'blocked') {
    next = 'blocked';
  } else if (input.outcome === 'terminated') {
    next = queued;
  } else if (task.attempts < task.max_attempts) {
    next = queued;
  } else {
    outcome = 'gave_up';
    metadata = { ...run.metadata, cause: input.outcome };
    next = 'blocked';
  }
  // A run that is no longer its task's current run (which the store never lets happen) must not move the task.
  const ownsTask = task.status === 'running' && task.current_run_id === run.id;
  return { outcome, task_status: ownsTask ? next : task.status, ended_at: now, metadata };
}

function destinationStatus(then: StopDestination, queued: TaskStatus): TaskStatus {
  switch (then) {
    case 'requeue':
      return queued;
    case 'block':
      return 'blocked';
    case 'archive':
      return 'archived';
    case 'done':
      return 'done';
  }
}
