import { newTaskId } from '../../../core/ids.js';
import { initialStatus } from '../../../core/readiness.js';
import { settleRun } from '../../../core/settle.js';
import { taskFromDraft, validateNewTask } from '../../../core/task-input.js';
import { taskCreatedPayload } from '../../../core/events.js';
import type { CompleteInput, HeartbeatInput, NewTask, RunEnded } from '../../../ports/store.js';
import type { EventRow, Json, Task } from '../../../core/types.js';
import { toRun, toTask } from '../shared/rows.js';
import type { RunRow, TaskRow } from '../shared/rows.js';
import { pendingEvent } from './context.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import { jsonParam, row } from './sql.js';
import type { Executor } from './sql.js';
import { TASK_COLUMNS } from './task-queries.js';
import { taskColumnValues } from '../shared/task-values.js';

/*
 * Single-statement versions of the calls every worker makes for every task. Each is its own
 * transaction and one round trip. Their WHERE clauses only restate the preconditions under which
 * the core's answer is already known (the token holds the live run; the run owns a running task);
 * when a precondition fails they change nothing and return null, and the caller takes the general
 * path, where the core decides and names the reason.
 */

const LIVE_RUN = `id = $2 AND claim_token = $3 AND ended_at IS NULL AND stop_requested_at IS NULL AND claim_expires >= $1`;

/**
 * A plain heartbeat commits without waiting for its WAL flush (synchronous_commit off for this one
 * transaction, set inside the statement so it stays one round trip). That is safe because it writes
 * nothing but a lease extension and no event: if PostgreSQL crashes before the flush, the extension
 * is lost and the lease is only shorter than the worker was told. The reaper may then reclaim the
 * run earlier, and the worker learns it at its next heartbeat or completion (409) exactly as after
 * any lapsed lease; fencing is untouched. Every other write, events included, stays durable: a lost
 * event id could be reused after a crash and break Last-Event-ID resumes.
 */
const PLAIN_HEARTBEAT_SQL = `UPDATE runs SET claim_expires = $1 + lease_ttl_seconds, last_heartbeat_at = $1
  WHERE ${LIVE_RUN} AND set_config('synchronous_commit', 'off', true) = 'off' RETURNING claim_expires`;

const PROGRESS_HEARTBEAT_SQL = `WITH beat AS (
    UPDATE runs SET claim_expires = $1 + lease_ttl_seconds, last_heartbeat_at = $1, last_progress_at = $1,
      metadata = CASE WHEN $4::boolean THEN metadata || jsonb_build_object('progress', $5::jsonb) ELSE metadata END
    WHERE ${LIVE_RUN}
    RETURNING id, board, task_id, claim_expires
  ), pending AS (
    SELECT board, task_id, id AS run_id, 'progress'::text AS kind, $6::jsonb AS payload, 1::bigint AS ord FROM beat
  ), ${insertEventsSql('$1')}
  SELECT beat.claim_expires, (SELECT json_agg(inserted) FROM inserted) AS events
  FROM beat`;

/** A plain heartbeat writes no event; one with progress or a note writes a `progress` event. */
export async function fastHeartbeat(
  db: Executor,
  runId: number,
  token: string,
  input: HeartbeatInput,
  now: number,
): Promise<{ claim_expires: number; events: EventRow[] } | null> {
  if (input.progress === undefined && input.note === undefined) {
    const beat = await row<{ claim_expires: number }>(db, PLAIN_HEARTBEAT_SQL, [now, runId, token]);
    return beat ? { claim_expires: Number(beat.claim_expires), events: [] } : null;
  }
  const event = pendingEvent({ board: '', kind: 'progress', payload: { progress: input.progress, note: input.note } });
  const beat = await row<{ claim_expires: number; events: unknown }>(db, PROGRESS_HEARTBEAT_SQL, [
    now,
    runId,
    token,
    input.progress !== undefined,
    JSON.stringify(input.progress ?? null),
    JSON.stringify(event.payload),
  ]);
  return beat ? { claim_expires: Number(beat.claim_expires), events: eventsFromJson(beat.events) } : null;
}

/**
 * The CTEs of a completion: `target` locks the live run and its running task, `ended` closes the run,
 * `moved` settles the task, `complete_pending` is the event row (events.ts's `pending` without `ord`).
 * $1 is now, $2..$11 the values completeParams returns after it.
 */
export const COMPLETE_CTES = `target AS (
    SELECT r.id AS run_id, t.seq FROM runs r JOIN tasks t ON t.id = r.task_id
    WHERE r.id = $2 AND r.claim_token = $3 AND r.ended_at IS NULL AND r.stop_requested_at IS NULL AND r.claim_expires >= $1
      AND t.status = 'running' AND t.current_run_id = r.id AND NOT t.has_children
    FOR UPDATE OF r, t
  ), ended AS (
    UPDATE runs r SET ended_at = $1, outcome = $4, summary = $5, error = $6
    FROM target WHERE r.id = target.run_id
    RETURNING r.*
  ), moved AS (
    UPDATE tasks t SET status = $7, current_run_id = NULL, updated_at = $1,
      result = CASE WHEN $8::boolean THEN $9::jsonb ELSE t.result END
    FROM target WHERE t.seq = target.seq
    RETURNING ${TASK_COLUMNS}
  ), complete_pending AS (
    SELECT board, task_id, id AS run_id, $10::text AS kind, $11::jsonb || jsonb_build_object('actor', worker) AS payload
    FROM ended
  )`;

/** How many parameters COMPLETE_CTES uses ($1..$11). */
export const COMPLETE_PARAMS = 11;

const COMPLETE_SQL = `WITH ${COMPLETE_CTES}, pending AS (
    SELECT board, task_id, run_id, kind, payload, 1::bigint AS ord FROM complete_pending
  ), ${insertEventsSql('$1')}
  SELECT row_to_json(e) AS run, (SELECT row_to_json(moved) FROM moved) AS task,
    (SELECT json_agg(inserted) FROM inserted) AS events
  FROM ended e`;

/** What a fast-path completion writes: the run's end, the task's move, and its event row. */
export interface FastCompletion {
  outcome: string;
  summary: string | null;
  error: string | null;
  task_status: string;
  has_result: boolean;
  /** The result as JSON text, or null. */
  result: string | null;
  kind: string;
  payload: Record<string, Json>;
}

/**
 * What the single-statement completion of a worker's own live run (whose task has no children)
 * writes, or null when the statement does not apply. The core's settlement is computed for exactly
 * that state (a running task owned by this run); it depends on attempts or parents only for retryable
 * outcomes, which therefore always take the general path.
 */
export function fastCompletion(runId: number, input: CompleteInput, now: number): FastCompletion | null {
  if (input.outcome !== 'completed' && input.outcome !== 'blocked') return null;
  const metadata = {};
  const settlement = settleRun(
    { id: '', status: 'running', attempts: 0, max_attempts: 1, current_run_id: runId },
    { id: runId, ended_at: null, metadata },
    { outcome: input.outcome },
    now,
  );
  // The statement keeps the run's metadata as it is, which is right only while the core leaves it alone.
  if (settlement.metadata !== metadata || settlement.outcome !== input.outcome) return null;
  const event = pendingEvent({
    board: '',
    kind: input.outcome === 'completed' ? 'completed' : 'run_ended',
    payload: {
      outcome: settlement.outcome,
      task_from: 'running',
      task_status: settlement.task_status,
      summary: input.summary,
      error: input.error,
    },
  });
  return {
    outcome: settlement.outcome,
    summary: input.summary ?? null,
    error: input.error ?? null,
    task_status: settlement.task_status,
    has_result: input.result !== undefined,
    result: jsonParam(input.result),
    kind: event.kind,
    payload: event.payload,
  };
}

/** The parameters of COMPLETE_CTES ($1..$11) for fastCompletion's answer, or null when it has none. */
export function completeParams(runId: number, token: string, input: CompleteInput, now: number): unknown[] | null {
  const c = fastCompletion(runId, input, now);
  if (!c) return null;
  return [now, runId, token, c.outcome, c.summary, c.error, c.task_status, c.has_result, c.result, c.kind, JSON.stringify(c.payload)];
}

/** A completion in one statement when completeParams applies; null sends the caller to the general path. */
export async function fastComplete(
  db: Executor,
  runId: number,
  token: string,
  input: CompleteInput,
  now: number,
): Promise<{ ended: RunEnded; events: EventRow[] } | null> {
  const values = completeParams(runId, token, input, now);
  if (!values) return null;
  const found = await row<{ run: RunRow; task: TaskRow; events: unknown }>(db, COMPLETE_SQL, values);
  if (!found) return null;
  return { ended: { run: toRun(found.run), task: toTask(found.task) }, events: eventsFromJson(found.events) };
}

const CREATE_TASK_SQL = `WITH board AS (
    INSERT INTO boards (slug, created_at) VALUES ($3, $1) ON CONFLICT (slug) DO NOTHING
  ), task AS (
    INSERT INTO tasks (id, board, title, body, assignee, priority, status, max_runtime_seconds, max_attempts, created_at, updated_at)
    VALUES ($2, $3, $4, $5, $6, $7, $8, $9, $10, $1, $1)
    ON CONFLICT (id) DO NOTHING
    RETURNING id, board
  ), pending AS (
    SELECT board, id AS task_id, NULL::bigint AS run_id, 'task_created'::text AS kind, $11::jsonb AS payload, 1::bigint AS ord FROM task
  ), ${insertEventsSql('$1')}
  SELECT (SELECT json_agg(inserted) FROM inserted) AS events FROM task`;

/**
 * A task without parents needs no other row read or locked, so it is created in one statement; a
 * task id already taken (8 hex digits do collide now and then) inserts nothing and is drawn again.
 * Tasks with parents take the general path, which locks and checks the parents.
 */
export async function fastCreateTask(
  db: Executor,
  input: NewTask,
  actor: string | undefined,
  now: number,
): Promise<{ task: Task; events: EventRow[] } | null> {
  const draft = validateNewTask(input);
  if (draft.parents.length > 0) return null;
  const status = initialStatus([], draft.triage);
  const event = pendingEvent({
    board: draft.board,
    kind: 'task_created',
    payload: taskCreatedPayload(draft, status, actor),
  });
  for (;;) {
    const id = newTaskId();
    const created = await row<{ events: unknown }>(db, CREATE_TASK_SQL, [
      now,
      id,
      ...taskColumnValues(draft, status),
      JSON.stringify(event.payload),
    ]);
    if (!created) continue;
    const task: Task = taskFromDraft(draft, id, status, now);
    return { task, events: eventsFromJson(created.events) };
  }
}
