import type { EventRow } from '../../../core/types.js';
import { toEvent } from '../shared/rows.js';
import type { EventDbRow } from '../shared/rows.js';
import type { PendingEvent } from './context.js';
import { jsonParam, rows } from './sql.js';
import type { Executor } from './sql.js';

/**
 * Event ids are SSE ids: a reader resumes with `id > last seen`. Two concurrent transactions can
 * draw ids 7 and 8 and commit 8 first; a reader polling in between sees 8, moves its cursor past 7,
 * and never sees 7. So every transaction that writes events takes this advisory lock right before
 * drawing their ids and holds it until COMMIT: ids are drawn and made visible in the same order.
 * The lock is taken last, after every row lock the transaction needs, so a holder never waits on
 * anything but its own commit and the lock cannot take part in a deadlock.
 */
export const EVENT_ID_LOCK_KEY = 7_420_002;

/** Cross-server wake-up: other servers LISTEN here and read the board's new events from the table. */
export const EVENTS_CHANNEL = 'pulseboard_events';

/**
 * The tail of a statement that inserts the event rows produced by the CTE `pending` (columns
 * board, task_id, run_id, kind, payload, ord) at time `$now`, in `ord` order, and wakes listeners.
 * Used both by the batched flush below and by the single-statement hot paths (claim, heartbeat,
 * completion), which build `pending` from the rows they just changed.
 */
export function insertEventsSql(nowParam: string): string {
  return `inserted AS (
      INSERT INTO events (board, task_id, run_id, kind, payload, created_at)
      SELECT p.board, p.task_id, p.run_id, p.kind, p.payload, ${nowParam}::double precision
      FROM (SELECT * FROM pending ORDER BY ord) p
      CROSS JOIN LATERAL (SELECT pg_advisory_xact_lock(${EVENT_ID_LOCK_KEY})) AS serialize_event_ids
      RETURNING *
    ), notified AS (
      SELECT pg_notify('${EVENTS_CHANNEL}', b.board) FROM (SELECT DISTINCT board FROM inserted) b
    )`;
}

const FLUSH_SQL = `WITH pending AS (
    SELECT e.board, e.task_id, e.run_id, e.kind, e.payload, e.ord
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (board text, task_id text, run_id bigint, kind text, payload jsonb))
      WITH ORDINALITY AS e(board, task_id, run_id, kind, payload, ord)
  ), ${insertEventsSql('$2')}
  SELECT inserted.*, (SELECT count(*) FROM notified) AS notified FROM inserted ORDER BY id`;

/** Inserts the transaction's queued events in one statement and returns them as committed rows will read. */
export async function flushEvents(db: Executor, events: readonly PendingEvent[], now: number): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const inserted = await rows<EventDbRow>(db, FLUSH_SQL, [jsonParam(events), now]);
  return inserted.map(toEvent);
}

/** Event rows returned by a hot-path statement as one jsonb array (`events` column). */
export function eventsFromJson(value: unknown): EventRow[] {
  if (!Array.isArray(value)) return [];
  return (value as EventDbRow[]).map(toEvent).sort((a, b) => a.id - b.id);
}
