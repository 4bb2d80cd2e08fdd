import { eventConditions, validateEventFilter } from '../../../core/event-filter.js';
import type { EventRow } from '../../../core/types.js';
import type { EventFilter } from '../../../ports/store.js';
import { toEvent } from '../shared/rows.js';
import type { EventDbRow } from '../shared/rows.js';
import type { PendingEvent, ReadContext, WriteContext } from './context.js';
import { jsonParam, row, rows } from './sql.js';
import type { Executor } from './sql.js';

/**
 * Event ids are SSE ids: a reader resumes with `id > last seen`. Two concurrent transactions can
 * draw ids 7 and 8 and commit 8 first; a reader polling in between would see 8, move its cursor past
 * 7, and never see 7. This advisory lock closes that gap:
 *
 * - every transaction takes it in SHARED mode right before drawing its event ids and holds it until
 *   COMMIT (pg_advisory_xact_lock_shared in the event insert below);
 * - a reader that pages by id takes it EXCLUSIVELY before its snapshot (readEventsInOrder). It is
 *   granted only once every transaction that drew ids has ended, and holds new ones back until the
 *   read is done, so the read sees every id drawn so far, and every later id is larger.
 *
 * Why not one exclusive lock held by every writer until COMMIT: it would serialize the commits
 * themselves, one WAL flush each (about 6 ms on this machine's disk, so at most ~170 claims and
 * completions per second across all servers). Shared among writers, concurrent commits still share
 * a flush; the event pump (one reader per server, woken per commit batch) pauses writers only for
 * the length of its query.
 *
 * The lock is taken last in a transaction, after every row lock it needs, so a holder never waits
 * on anything but its own commit and the lock cannot take part in a deadlock.
 */
export const EVENT_ID_LOCK_KEY = 7_420_002;

/*
 * No NOTIFY here: PostgreSQL serializes the commits of all notifying transactions on one
 * database-wide lock (measured: 8 claiming lanes queued on it, throughput down by a quarter), and
 * other servers already hear of commits through the bus (board.<board>.events, published after
 * commit) plus the event pump's periodic poll.
 */

/**
 * The tail of a statement that inserts the event rows produced by the CTE `pending` (columns
 * board, task_id, run_id, kind, payload, ord) at time `$now`, in `ord` order.
 * Used both by the batched flush below and by the single-statement hot paths (claim, heartbeat,
 * completion), which build `pending` from the rows they just changed.
 */
export function insertEventsSql(nowParam: string): string {
  return `inserted AS (
      INSERT INTO events (board, task_id, run_id, kind, payload, created_at)
      SELECT p.board, p.task_id, p.run_id, p.kind, p.payload, ${nowParam}::double precision
      FROM (SELECT * FROM pending ORDER BY ord) p
      CROSS JOIN LATERAL (SELECT pg_advisory_xact_lock_shared(${EVENT_ID_LOCK_KEY})) AS event_id_guard
      RETURNING *
    )`;
}

const FLUSH_SQL = `WITH pending AS (
    SELECT e.board, e.task_id, e.run_id, e.kind, e.payload, e.ord
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (board text, task_id text, run_id bigint, kind text, payload jsonb))
      WITH ORDINALITY AS e(board, task_id, run_id, kind, payload, ord)
  ), ${insertEventsSql('$2')}
  SELECT * FROM inserted ORDER BY id`;

/** Inserts the transaction's queued events in one statement and returns them as committed rows will read. */
export async function flushEvents(db: Executor, events: readonly PendingEvent[], now: number): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const inserted = await rows<EventDbRow>(db, FLUSH_SQL, [jsonParam(events), now]);
  return inserted.map(toEvent);
}

/**
 * Inserts the events queued so far now, so that a statement that writes its own event row next (a
 * claim inside a transaction) draws a later id: the event ids keep the order of the changes.
 */
export async function flushNow(ctx: WriteContext): Promise<void> {
  const inserted = await flushEvents(ctx.db, ctx.events.splice(0), ctx.now);
  (ctx.inserted ??= []).push(...inserted);
}

/** Makes the statements `read` runs next see every event id drawn so far; call it first in a transaction. */
export async function awaitEventWriters(db: Executor): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(${EVENT_ID_LOCK_KEY})`);
}

/** Event rows returned by a hot-path statement as one jsonb array (`events` column). */
export function eventsFromJson(value: unknown): EventRow[] {
  if (!Array.isArray(value)) return [];
  return (value as EventDbRow[]).map(toEvent).sort((a, b) => a.id - b.id);
}

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
