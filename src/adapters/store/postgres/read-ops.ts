import { InvalidInputError } from '../../../core/errors.js';
import { isBoardSlug } from '../../../core/ids.js';
import { TASK_STATUSES } from '../../../core/types.js';
import type { ActiveRun, EventRow, Run, TaskStatus } from '../../../core/types.js';
import type { EventFilter } from '../../../ports/store.js';
import { toActiveRun } from '../shared/active-run.js';
import { toEvent, toRun } from '../shared/rows.js';
import type { EventDbRow, RunRow } from '../shared/rows.js';
import type { ReadContext } from './context.js';
import { row, rows } from './sql.js';

export const DEFAULT_EVENT_LIMIT = 1000;
const MAX_EVENT_LIMIT = 10_000;

function checkBoard(board: string | undefined): void {
  if (board !== undefined && !isBoardSlug(board)) throw new InvalidInputError(`board ${JSON.stringify(board)} is not a board slug`);
}

export async function listEvents(ctx: ReadContext, filter: EventFilter = {}): Promise<EventRow[]> {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const where = (sql: string, value: unknown): void => {
    params.push(value);
    clauses.push(`${sql} $${params.length}`);
  };
  checkBoard(filter.board);
  if (filter.board !== undefined) where('board =', filter.board);
  if (filter.task_id !== undefined) where('task_id =', filter.task_id);
  if (filter.run_id !== undefined) {
    if (!Number.isSafeInteger(filter.run_id)) throw new InvalidInputError('run_id must be an integer');
    where('run_id =', filter.run_id);
  }
  if (filter.after_id !== undefined) {
    if (!Number.isSafeInteger(filter.after_id) || filter.after_id < 0) throw new InvalidInputError('after_id must be an integer >= 0');
    where('id >', filter.after_id);
  }
  if (filter.before_id !== undefined) {
    if (!Number.isSafeInteger(filter.before_id) || filter.before_id < 1) throw new InvalidInputError('before_id must be an integer >= 1');
    where('id <', filter.before_id);
  }
  const limit = filter.limit ?? DEFAULT_EVENT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_EVENT_LIMIT) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_EVENT_LIMIT}`);
  }
  params.push(limit);
  const whereSql = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
  const found = await rows<EventDbRow>(ctx.db, `SELECT * FROM events ${whereSql} ORDER BY id ${filter.newest_first === true ? 'DESC' : ''} LIMIT $${params.length}`, params);
  return found.map(toEvent);
}

export async function lastEventId(ctx: ReadContext): Promise<number> {
  return Number((await row<{ id: number | null }>(ctx.db, 'SELECT MAX(id) AS id FROM events'))?.id ?? 0);
}

export async function countTasksByStatus(ctx: ReadContext, board: string | undefined): Promise<Record<TaskStatus, number>> {
  checkBoard(board);
  const found = await rows<{ status: TaskStatus; n: number }>(
    ctx.db,
    `SELECT status, COUNT(*)::int AS n FROM tasks ${board === undefined ? '' : 'WHERE board = $1'} GROUP BY status`,
    board === undefined ? [] : [board],
  );
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const r of found) counts[r.status] = Number(r.n);
  return counts;
}

export async function listBoards(ctx: ReadContext): Promise<string[]> {
  return (await rows<{ slug: string }>(ctx.db, 'SELECT slug FROM boards ORDER BY slug')).map((r) => r.slug);
}

export async function listRuns(ctx: ReadContext, taskId: string): Promise<Run[]> {
  return (await rows<RunRow>(ctx.db, 'SELECT * FROM runs WHERE task_id = $1 ORDER BY id', [taskId])).map(toRun);
}

export async function listActiveRuns(
  ctx: ReadContext,
  filter: { board?: string; progress_timeout_seconds?: number } = {},
): Promise<ActiveRun[]> {
  checkBoard(filter.board);
  const timeout = filter.progress_timeout_seconds;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
    throw new InvalidInputError('progress_timeout_seconds must be a number > 0');
  }
  const found = await rows<RunRow & { task_title: string; task_status: TaskStatus; task_assignee: string | null }>(
    ctx.db,
    `SELECT r.*, t.title AS task_title, t.status AS task_status, t.assignee AS task_assignee
     FROM runs r JOIN tasks t ON t.id = r.task_id
     WHERE r.ended_at IS NULL ${filter.board === undefined ? '' : 'AND r.board = $1'}
     ORDER BY r.started_at DESC, r.id DESC`,
    filter.board === undefined ? [] : [filter.board],
  );
  return found.map((r) =>
    toActiveRun(toRun(r), { title: r.task_title, status: r.task_status, assignee: r.task_assignee }, ctx.now, timeout),
  );
}
