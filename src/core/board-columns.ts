import type { TaskStatus } from './types.js';

/** Columns that only grow; a board shows the newest of them, never all. Every other column is shown whole. */
export const CLOSED_STATUSES = ['done', 'archived'] as const satisfies readonly TaskStatus[];
export const OPEN_STATUSES = ['triage', 'todo', 'ready', 'running', 'blocked'] as const satisfies readonly TaskStatus[];

/** How many of the most recently updated done (and archived) tasks a board shows unless asked otherwise. */
export const DEFAULT_CLOSED_LIMIT = 200;
export const MAX_CLOSED_LIMIT = 10_000;

export function isClosedLimit(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= MAX_CLOSED_LIMIT;
}
