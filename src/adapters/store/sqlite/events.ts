import { eventConditions, validateEventFilter } from '../../../core/event-filter.js';
import type { EventRow } from '../../../core/types.js';
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
