import { completionEventKind } from '../../../core/events.js';
import { settleRun } from '../../../core/settle.js';
import type { EventRow, Json } from '../../../core/types.js';
import type { CompleteInput, RunEnded } from '../../../ports/store.js';
import { fenceHolds } from '../shared/decision-sql.js';
import { toRun, toTask } from '../shared/rows.js';
import type { RunRow, TaskRow } from '../shared/rows.js';
import { pendingEvent } from './context.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import { params } from './params.js';
import { jsonParam, row } from './sql.js';
import type { Executor } from './sql.js';
import { TASK_COLUMNS } from './task-queries.js';

/*
 * The single-statement completion of a worker's own live run, the one completeAndClaim and the batch
 * build on (complete-and-claim.ts, complete-and-claim-many.ts). Its WHERE clause only restates the
 * preconditions under which the core's answer is already known; when one fails it changes nothing and
 * the caller takes the general path (runs.ts complete), where the core decides and names the reason.
 */

/** The parameters of COMPLETE_CTES: `now`, the run and its token, then what fastCompletion decided. */
export const COMPLETE = params([
  'now',
  'run_id',
  'token',
  'outcome',
  'summary',
  'error',
  'task_status',
  'has_result',
  'result',
  'kind',
  'payload',
]);
const c = COMPLETE.$;

/**
 * The CTEs of a completion: `target` locks the live run and its running task, `ended` closes the run,
 * `moved` settles the task, `complete_pending` is the event row (events.ts's `pending` without `ord`).
 */
export const COMPLETE_CTES = `target AS (
    SELECT r.id AS run_id, t.seq FROM runs r JOIN tasks t ON t.id = r.task_id
    WHERE r.id = ${c.run_id} AND ${fenceHolds('r.', { token: c.token, now: c.now })}
      AND t.status = 'running' AND t.current_run_id = r.id AND NOT t.has_children
    FOR UPDATE OF r, t
  ), ended AS (
    UPDATE runs r SET ended_at = ${c.now}, outcome = ${c.outcome}, summary = ${c.summary}, error = ${c.error}
    FROM target WHERE r.id = target.run_id
    RETURNING r.*
  ), moved AS (
    UPDATE tasks t SET status = ${c.task_status}, current_run_id = NULL, updated_at = ${c.now},
      result = CASE WHEN ${c.has_result}::boolean THEN ${c.result}::jsonb ELSE t.result END
    FROM target WHERE t.seq = target.seq
    RETURNING ${TASK_COLUMNS}
  ), complete_pending AS (
    SELECT board, task_id, id AS run_id, ${c.kind}::text AS kind, ${c.payload}::jsonb || jsonb_build_object('actor', worker) AS payload
    FROM ended
  )`;

const COMPLETE_SQL = `WITH ${COMPLETE_CTES}, pending AS (
    SELECT board, task_id, run_id, kind, payload, 1::bigint AS ord FROM complete_pending
  ), ${insertEventsSql(c.now)}
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
    kind: completionEventKind(input.outcome),
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

/** The values of COMPLETE for fastCompletion's answer, or null when it has none. */
export function completeParams(runId: number, token: string, input: CompleteInput, now: number): unknown[] | null {
  const fast = fastCompletion(runId, input, now);
  if (!fast) return null;
  return COMPLETE.values({ now, run_id: runId, token, ...fast, payload: JSON.stringify(fast.payload) });
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
