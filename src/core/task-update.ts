import { statusForParents } from './readiness.js';
import { assertAssigneeChangeAllowed, planStatusChange } from './transitions.js';
import type { Json, Task, TaskStatus } from './types.js';
import type { TaskPatch } from './task-input.js';

export type TaskFieldChanges = Partial<
  Pick<Task, 'title' | 'body' | 'assignee' | 'priority' | 'parents' | 'max_runtime_seconds' | 'max_attempts' | 'result'>
>;

export interface TaskUpdatePlan {
  /** Only the fields whose value differs from the task's. */
  changes: TaskFieldChanges;
  status: { from: TaskStatus; to: TaskStatus; resetAttempts: boolean } | null;
}

/**
 * Decides a validated PATCH. `unfinishedParents` are the parents (after the patch) that are not done.
 * A parent change alone can move a task between todo and ready; an explicit status wins.
 */
export function planTaskUpdate(task: Task, patch: TaskPatch, unfinishedParents: readonly string[]): TaskUpdatePlan {
  const changes: TaskFieldChanges = {};
  if (patch.title !== undefined && patch.title !== task.title) changes.title = patch.title;
  if (patch.body !== undefined && patch.body !== task.body) changes.body = patch.body;
  if (patch.assignee !== undefined && patch.assignee !== task.assignee) {
    assertAssigneeChangeAllowed(task, patch.assignee);
    changes.assignee = patch.assignee;
  }
  if (patch.priority !== undefined && patch.priority !== task.priority) changes.priority = patch.priority;
  if (patch.parents !== undefined && !sameList(patch.parents, task.parents)) changes.parents = patch.parents;
  if (patch.max_runtime_seconds !== undefined && patch.max_runtime_seconds !== task.max_runtime_seconds) {
    changes.max_runtime_seconds = patch.max_runtime_seconds;
  }
  if (patch.max_attempts !== undefined && patch.max_attempts !== task.max_attempts) changes.max_attempts = patch.max_attempts;
  if (patch.result !== undefined && !sameJson(patch.result, task.result)) changes.result = patch.result;

  let status: TaskUpdatePlan['status'] = null;
  if (patch.status !== undefined) {
    const change = planStatusChange(task, patch.status, unfinishedParents);
    if (change) status = { from: task.status, to: change.status, resetAttempts: change.resetAttempts };
  } else if (changes.parents !== undefined) {
    const to = statusForParents(task.status, unfinishedParents.length === 0);
    if (to !== task.status) status = { from: task.status, to, resetAttempts: false };
  }
  return { changes, status };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

function sameJson(a: Json | null, b: Json | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
