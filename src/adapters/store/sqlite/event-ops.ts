import { InvalidInputError } from '../../../core/errors.js';
import { isBoardSlug } from '../../../core/ids.js';
import { TASK_STATUSES } from '../../../core/types.js';
import type { EventRow, TaskStatus } from '../../../core/types.js';
import type { EventFilter } from '../../../ports/store.js';
import { toEvent } from '../shared/rows.js';
import type { EventDbRow } from '../shared/rows.js';
import type { ReadContext } from './context.js';

export const DEFAULT_EVENT_LIMIT = 1000;
const MAX_EVENT_LIMIT = 10_000;

export function listEvents(ctx: ReadContext, filter: EventFilter = {}): EventRow[] {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.board !== undefined) {
    if (!isBoardSlug(filter.board)) throw new InvalidInputError(`board ${JSON.stringify(filter.board)} is not a board slug`);
    clauses.push('board = ?');
    params.push(filter.board);
  }
  if (filter.task_id !== undefined) {
    clauses.push('task_id = ?');
    params.push(filter.task_id);
  }
  if (filter.run_id !== undefined) {
    clauses.push('run_id = ?');
    params.push(filter.run_id);
  }
  if (filter.after_id !== undefined) {
    if (!Number.isSafeInteger(filter.after_id) || filter.after_id < 0) throw new InvalidInputError('after_id must be an integer >= 0');
    clauses.push('id > ?');
    params.push(filter.after_id);
  }
  if (filter.before_id !== undefined) {
    if (!Number.isSafeInteger(filter.before_id) || filter.before_id < 1) throw new InvalidInputError('before_id must be an integer >= 1');
    clauses.push('id < ?');
    params.push(filter.before_id);
  }
  const limit = filter.limit ?? DEFAULT_EVENT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_EVENT_LIMIT) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_EVENT_LIMIT}`);
  }
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
  return ctx.q
    .all<EventDbRow>(`SELECT * FROM events ${where} ORDER BY id ${filter.newest_first === true ? 'DESC' : ''} LIMIT ?`, ...params, limit)
    .map(toEvent);
}

export function lastEventId(ctx: ReadContext): number {
  return ctx.q.get<{ id: number | null }>('SELECT MAX(id) AS id FROM events')?.id ?? 0;
}

export function countTasksByStatus(ctx: ReadContext, board: string | undefined): Record<TaskStatus, number> {
  if (board !== undefined && !isBoardSlug(board)) throw new InvalidInputError(`board ${JSON.stringify(board)} is not a board slug`);
  const rows = ctx.q.all<{ status: TaskStatus; n: number }>(
    `SELECT status, COUNT(*) AS n FROM tasks ${board === undefined ? '' : 'WHERE board = ?'} GROUP BY status`,
    ...(board === undefined ? [] : [board]),
  );
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
