import { eventConditions, validateEventFilter } from '../../../core/event-filter.js';
import { validateBoard } from '../../../core/validate.js';
import { TASK_STATUSES } from '../../../core/types.js';
import type { EventRow, TaskStatus } from '../../../core/types.js';
import type { EventFilter } from '../../../ports/store.js';
import { toEvent } from '../shared/rows.js';
import type { EventDbRow } from '../shared/rows.js';
import type { ReadContext } from './context.js';

export function listEvents(ctx: ReadContext, filter: EventFilter = {}): EventRow[] {
  const checked = validateEventFilter(filter);
  const conditions = eventConditions(checked);
  const where = conditions.length > 0 ? `WHERE ${conditions.map((c) => `${c.column} ${c.op} ?`).join(' AND ')}` : '';
  return ctx.q
    .all<EventDbRow>(
      `SELECT * FROM events ${where} ORDER BY id ${checked.newest_first === true ? 'DESC' : ''} LIMIT ?`,
      ...conditions.map((c) => c.value),
      checked.limit,
    )
    .map(toEvent);
}

export function lastEventId(ctx: ReadContext): number {
  return ctx.q.get<{ id: number | null }>('SELECT MAX(id) AS id FROM events')?.id ?? 0;
}

export function countTasksByStatus(ctx: ReadContext, board: string | undefined): Record<TaskStatus, number> {
  if (board !== undefined) validateBoard(board);
  const rows = ctx.q.all<{ status: TaskStatus; n: number }>(
    `SELECT status, COUNT(*) AS n FROM tasks ${board === undefined ? '' : 'WHERE board = ?'} GROUP BY status`,
    ...(board === undefined ? [] : [board]),
  );
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
