import type { EventDraft, EventKind } from '../../../core/events.js';
import type { EventRow, Json } from '../../../core/types.js';
import type { Executor } from './sql.js';

/**
 * What one write transaction sees: its connection, its single `now` (from the injected clock, never
 * the database's now()), and the events it will write at the end.
 */
export interface WriteContext {
  db: Executor;
  now: number;
  events: PendingEvent[];
  /**
   * Event rows this transaction already inserted before its end (a statement that writes its own
   * event, see events.ts flushNow); the listeners hear of them after COMMIT, before the final flush.
   */
  inserted?: EventRow[];
}

export interface ReadContext {
  db: Executor;
  now: number;
}

/** An event row before the store gives it an id and a time. */
export type NewEvent = EventDraft;

export interface PendingEvent {
  board: string;
  task_id: string | null;
  run_id: number | null;
  kind: EventKind;
  payload: Record<string, Json>;
}

/** Queues an event row; the transaction inserts them all, in this order, just before COMMIT (see events.ts). */
export function emit(ctx: WriteContext, event: NewEvent): void {
  ctx.events.push(pendingEvent(event));
}

export function pendingEvent(event: NewEvent): PendingEvent {
  return {
    board: event.board,
    task_id: event.task_id ?? null,
    run_id: event.run_id ?? null,
    kind: event.kind,
    payload: withoutUndefined(event.payload ?? {}),
  };
}

function withoutUndefined(payload: Record<string, Json | undefined>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(payload)) if (value !== undefined) out[key] = value;
  return out;
}
