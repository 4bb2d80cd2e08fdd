import type { EventDraft } from '../../../core/events.js';
import type { EventRow, Json } from '../../../core/types.js';
import type { Statements } from './statements.js';

/** What one write transaction sees: its statements, its single `now`, and the events it wrote so far. */
export interface WriteContext {
  q: Statements;
  now: number;
  events: EventRow[];
}

export interface ReadContext {
  q: Statements;
  now: number;
}

/** An event row before the store gives it an id and a time. */
export type NewEvent = EventDraft;

export function emit(ctx: WriteContext, event: NewEvent): EventRow {
  const payload = withoutUndefined(event.payload ?? {});
  const taskId = event.task_id ?? null;
  const runId = event.run_id ?? null;
  const result = ctx.q.run(
    'INSERT INTO events (board, task_id, run_id, kind, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    event.board,
    taskId,
    runId,
    event.kind,
    JSON.stringify(payload),
    ctx.now,
  );
  const row: EventRow = {
    id: Number(result.lastInsertRowid),
    board: event.board,
    task_id: taskId,
    run_id: runId,
    kind: event.kind,
    payload,
    created_at: ctx.now,
  };
  ctx.events.push(row);
  return row;
}

function withoutUndefined(payload: Record<string, Json | undefined>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(payload)) if (value !== undefined) out[key] = value;
  return out;
}
