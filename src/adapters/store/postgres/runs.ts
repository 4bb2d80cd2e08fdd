import { validateProcessRecord, validateSignalRecord } from '../../../core/run-input.js';
import type { ProcessRecord } from '../../../core/run-input.js';
import { ConflictError, LeaseLostError, NotFoundError } from '../../../core/errors.js';
import { completionEventKind, endRunEventKind, signalEvent } from '../../../core/events.js';
import type { SignalRecord } from '../../../core/events.js';
import { settleRun } from '../../../core/settle.js';
import { assertFence, reapVerdict } from '../../../core/lease.js';
import { fenceHolds, reapable } from '../shared/decision-sql.js';
import {
  validateClaimToken,
  validateCompleteInput,
  validateEndRunInput,
  validateHeartbeatInput,
  validateRunId,
} from '../../../core/run-input.js';
import type { EventRow, Json, Run } from '../../../core/types.js';
import type { CompleteInput, EndRunInput, HeartbeatInput, ReapResult, RunEnded } from '../../../ports/store.js';
import { toRun, toTask } from '../shared/rows.js';
import type { RunRow, TaskRow } from '../shared/rows.js';
import { emit, pendingEvent } from './context.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import type { ReadContext, WriteContext } from './context.js';
import { finishRun, lockRun, lockRunAndTask, selectRun } from './run-queries.js';
import { TASK_COLUMNS } from './task-queries.js';
import { params } from './params.js';
import { jsonParam, row, rows } from './sql.js';
import type { Executor } from './sql.js';

/** Why a fast path matched no row: read the run and let the core name the reason. */
export async function explainLostLease(db: Executor, runId: number, token: string, now: number): Promise<never> {
  const run = await selectRun(db, runId);
  if (!run) throw new NotFoundError(`run ${runId} not found`);
  assertFence(run, token, now);
  throw new LeaseLostError(runId, 'lease could not be extended');
}

export function validateHeartbeat(
  rawRunId: number,
  rawToken: string,
  rawInput: HeartbeatInput | undefined,
): { runId: number; token: string; input: HeartbeatInput } {
  return { runId: validateRunId(rawRunId), token: validateClaimToken(rawToken), input: validateHeartbeatInput(rawInput) };
}

export function validateComplete(
  rawRunId: number,
  rawToken: string,
  rawInput: CompleteInput,
): { runId: number; token: string; input: CompleteInput } {
  return { runId: validateRunId(rawRunId), token: validateClaimToken(rawToken), input: validateCompleteInput(rawInput) };
}

/** The slow path of a completion: both rows locked, the core checks the fence and settles the run. */
export async function complete(ctx: WriteContext, runId: number, token: string, input: CompleteInput): Promise<RunEnded> {
  const locked = await lockRunAndTask(ctx.db, runId);
  assertFence(locked.run, token, ctx.now);
  return finishRun(
    ctx,
    locked,
    { outcome: input.outcome },
    { summary: input.summary, error: input.error, result: input.result, actor: locked.run.worker },
    completionEventKind(input.outcome),
  );
}

export async function recordProcess(
  ctx: WriteContext,
  rawRunId: number,
  rawProc: ProcessRecord,
): Promise<Run> {
  const runId = validateRunId(rawRunId);
  const { pid, worker_started_at: startedAt, host: newHost } = validateProcessRecord(rawProc);
  const run = await lockRun(ctx.db, runId);
  if (run.ended_at !== null) throw new ConflictError(`run ${runId} already ended`);
  const host = newHost ?? run.host;
  const updated = await row<RunRow>(
    ctx.db,
    // recordProcess is the dispatcher's own record of the child it started: the one proof a pid is ours.
    "UPDATE runs SET worker_pid = $1, worker_started_at = $2, host = $3, worker_origin = 'spawned' WHERE id = $4 RETURNING *",
    [pid, startedAt, host, runId],
  );
  emit(ctx, {
    board: run.board,
    task_id: run.task_id,
    run_id: run.id,
    kind: 'process_recorded',
    payload: { pid: pid, worker_started_at: startedAt, host, worker_origin: 'spawned' },
  });
  return toRun(updated as RunRow);
}

export async function requestStop(ctx: WriteContext, rawRunId: number, by: { actor?: string; reason?: string }): Promise<Run> {
  const runId = validateRunId(rawRunId);
  const run = await lockRun(ctx.db, runId);
  if (run.ended_at !== null) throw new ConflictError(`run ${runId} already ended`);
  if (run.stop_requested_at !== null) return run;
  const updated = await row<RunRow>(ctx.db, 'UPDATE runs SET stop_requested_at = $1 WHERE id = $2 RETURNING *', [ctx.now, runId]);
  emit(ctx, {
    board: run.board,
    task_id: run.task_id,
    run_id: run.id,
    kind: 'stop_requested',
    payload: { actor: by?.actor, reason: by?.reason },
  });
  return toRun(updated as RunRow);
}

export async function endRun(ctx: WriteContext, rawRunId: number, rawInput: EndRunInput): Promise<RunEnded> {
  const runId = validateRunId(rawRunId);
  const input = validateEndRunInput(rawInput);
  const locked = await lockRunAndTask(ctx.db, runId);
  if (locked.run.ended_at !== null) throw new ConflictError(`run ${runId} already ended`);
  return finishRun(
    ctx,
    locked,
    { outcome: input.outcome, then: input.then },
    { exit_code: input.exit_code, error: input.error, summary: input.summary, actor: input.actor, reason: input.reason },
    endRunEventKind(input.outcome),
  );
}

const REAPABLE_SQL = `SELECT id FROM runs WHERE ${reapable('$1')} ORDER BY id`;

/** Cheap check the reaper makes every tick before opening a transaction. */
export async function anythingToReap(db: Executor, now: number): Promise<boolean> {
  return (await rows<{ id: string }>(db, `${REAPABLE_SQL} LIMIT 1`, [now])).length > 0;
}

/**
 * Every run core/lease.ts reapVerdict does not leave alone, ended as it says. Runs another transaction holds (a heartbeat or completion in flight) are skipped: the next tick sees
 * them again if they still qualify.
 */
export async function reap(ctx: WriteContext): Promise<ReapResult> {
  const due = await rows<{ id: string }>(ctx.db, `${REAPABLE_SQL} FOR UPDATE SKIP LOCKED`, [ctx.now]);
  const result: ReapResult = { reclaimed: [], timed_out: [] };
  for (const { id } of due) {
    const locked = await lockRunAndTask(ctx.db, Number(id));
    const verdict = reapVerdict(locked.run, ctx.now);
    if (verdict === null) continue;
    const { outcome, actor, reason } = verdict;
    result[outcome].push(await finishRun(ctx, locked, { outcome }, { actor, reason }, endRunEventKind(outcome)));
  }
  return result;
}

export async function listRuns(ctx: ReadContext, taskId: string): Promise<Run[]> {
  return (await rows<RunRow>(ctx.db, 'SELECT * FROM runs WHERE task_id = $1 ORDER BY id', [taskId])).map(toRun);
}

/*
 * Single-statement versions of the calls every worker makes for every task. Each is its own
 * transaction and one round trip. Their WHERE clauses only restate the preconditions under which
 * the core's answer is already known (the token holds the live run; the run owns a running task);
 * when a precondition fails they change nothing and return null, and the caller takes the general
 * path, where the core decides and names the reason.
 */

const LIVE_RUN = `id = $2 AND ${fenceHolds('', { token: '$3', now: '$1' })}`;

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

export async function recordSignal(ctx: WriteContext, rawRecord: SignalRecord): Promise<void> {
  const record = validateSignalRecord(rawRecord);
  const run = await selectRun(ctx.db, record.run_id);
  if (!run) throw new NotFoundError(`run ${record.run_id} not found`);
  emit(ctx, signalEvent(run, record));
}
