import type { validateNewTask } from '../../../core/task-input.js';
import type { TaskStatus } from '../../../core/types.js';

/**
 * A new task's own columns as statement parameters, in the order both stores' INSERTs name them after
 * `id`: board, title, body, assignee, priority, status, max_runtime_seconds, max_attempts.
 */
export function taskColumnValues(draft: ReturnType<typeof validateNewTask>, status: TaskStatus): unknown[] {
  return [
    draft.board,
    draft.title,
    draft.body,
    draft.assignee,
    draft.priority,
    status,
    draft.max_runtime_seconds,
    draft.max_attempts,
  ];
}
