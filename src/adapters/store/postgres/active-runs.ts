import { validateActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRunFilter } from '../../../core/active-run-state.js';
import { eventConditions, validateEventFilter } from '../../../core/event-filter.js';
import { validateBoard } from '../../../core/validate.js';
import { TASK_STATUSES } from '../../../core/types.js';
import type { ActiveRun, EventRow, Run, TaskStatus } from '../../../core/types.js';
import type { EventFilter } from '../../../ports/store.js';
import { ACTIVE_RUN_COLUMNS, activeRunsFromValues } from '../shared/active-run.js';
import type { ActiveRunValues } from '../shared/active-run.js';
import { toEvent, toRun } from '../shared/rows.js';
import type { EventDbRow, RunRow } from '../shared/rows.js';
import type { ReadContext } from './context.js';
import { row, rows, rowValues } from './sql.js';

export async function listEvents(ctx: ReadContext, filter: EventFilter = {}): Promise<EventRow[]> {
  const checked = validateEventFilter(filter);
  const conditions = eventConditions(checked);
  const where = conditions.length > 0 ? `WHERE ${conditions.map((c, i) => `${c.column} ${c.op} $${i + 1}`).join(' AND ')}` : '';
  const found = await rows<EventDbRow>(
    ctx.db,
    `SELECT * FROM events ${where} ORDER BY id ${checked.newest_first === true ? 'DESC' : ''} LIMIT $${conditions.length + 1}`,
    [...conditions.map((c) => c.value), checked.limit],
  );
  return found.map(toEvent);
}

export async function lastEventId(ctx: ReadContext): Promise<number> {
  return Number((await row<{ id: number | null }>(ctx.db, 'SELECT MAX(id) AS id FROM events'))?.id ?? 0);
}

export async function countTasksByStatus(ctx: ReadContext, board: string | undefined): Promise<Record<TaskStatus, number>> {
  if (board !== undefined) validateBoard(board);
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

export async function listActiveRuns(ctx: ReadContext, filter: ActiveRunFilter = {}): Promise<ActiveRun[]> {
  const { board, progress_timeout_seconds: timeout } = validateActiveRunFilter(filter);
  const found = await rowValues(
    ctx.db,
    `SELECT ${ACTIVE_RUN_COLUMNS} FROM runs r JOIN tasks t ON t.id = r.task_id
     WHERE r.ended_at IS NULL ${board === undefined ? '' : 'AND r.board = $1'}
     ORDER BY r.started_at DESC, r.id DESC`,
    board === undefined ? [] : [board],
  );
  return activeRunsFromValues(found.map(activeRunValuesFromPostgres), ctx.now, timeout);
}

/** node-postgres reads bigint columns (the run id, the pid) as strings. */
function activeRunValuesFromPostgres(v: unknown[]): ActiveRunValues {
  const values = v.slice() as unknown as { -readonly [K in keyof ActiveRunValues]: ActiveRunValues[K] };
  values[0] = Number(v[0]);
  values[8] = v[8] === null ? null : Number(v[8]);
  return values;
}
