import { InvalidInputError } from './errors.js';
import { isBoardSlug } from './ids.js';
import { TASK_STATUSES } from './types.js';
import type { Task, TaskStatus } from './types.js';

/** Columns that only grow; a board shows the newest of them, never all. Every other column is shown whole. */
export const CLOSED_STATUSES = ['done', 'archived'] as const satisfies readonly TaskStatus[];
export const OPEN_STATUSES = ['triage', 'todo', 'ready', 'running', 'blocked'] as const satisfies readonly TaskStatus[];

/** How many of the most recently updated done (and archived) tasks a board shows unless asked otherwise. */
export const DEFAULT_CLOSED_LIMIT = 200;
export const MAX_CLOSED_LIMIT = 10_000;

export function isClosedLimit(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_CLOSED_LIMIT;
}

/** What a board read is asked for, refused before any read (by both stores, for a listing and a stamp alike). */
export function validateBoardQuery(board: string, closedLimit: number): void {
  if (!isBoardSlug(board)) throw new InvalidInputError(`board ${JSON.stringify(board)} is not a board slug`);
  if (!isClosedLimit(closedLimit)) throw new InvalidInputError(`closed_limit must be an integer from 0 to ${MAX_CLOSED_LIMIT}`);
}

export interface BoardColumn {
  name: TaskStatus;
  tasks: Task[];
}

/** Higher priority first, then the older task. */
function byBoardOrder(a: Task, b: Task): number {
  return b.priority - a.priority || a.created_at - b.created_at;
}

/** A board's tasks as its columns: every status in TASK_STATUSES order, each in board order. */
export function boardColumns(tasks: readonly Task[]): BoardColumn[] {
  const byStatus = new Map<TaskStatus, Task[]>(TASK_STATUSES.map((status) => [status, []]));
  for (const task of tasks) byStatus.get(task.status)?.push(task);
  return TASK_STATUSES.map((name) => ({ name, tasks: (byStatus.get(name) as Task[]).sort(byBoardOrder) }));
}
