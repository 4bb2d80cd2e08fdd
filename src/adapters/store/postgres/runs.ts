import { validateProcessRecord, validateSignalRecord } from '../../../core/run-input.js';
import type { ProcessRecord } from '../../../core/run-input.js';
import { ConflictError, LeaseLostError, NotFoundError } from '../../../core/errors.js';
import { completionEventKind, endRunEventKind, signalEvent } from '../../../core/events.js';
import type { SignalRecord } from '../../../core/events.js';
import { assertFence } from '../../../core/lease.js';
import { fenceHolds } from '../shared/decision-sql.js';
import {
  validateClaimToken,
  validateCompleteInput,
  validateEndRunInput,
  validateHeartbeatInput,
  validateRunId,
} from '../../../core/run-input.js';
import type { EventRow, Run } from '../../../core/types.js';
import type { CompleteInput, EndRunInput, HeartbeatInput, RunEnded } from '../../../ports/store.js';
import { toRun } from '../shared/rows.js';
import type { RunRow } from '../shared/rows.js';
import { emit, pendingEvent } from './context.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import type { ReadContext, WriteContext } from './context.js';
import { finishRun, lockRun, lockRunAndTask, selectRun } from './run-queries.js';
import { params } from './params.js';
import { row, rows } from './sql.js';
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

/** The parameters of a heartbeat: a plain one takes the first three. */
const HEARTBEAT = params(['now', 'run_id', 'token', 'has_progress', 'progress', 'payload']);
const PLAIN_HEARTBEAT = params(['now', 'run_id', 'token']);
const h = HEARTBEAT.$;

const LIVE_RUN = `id = ${h.run_id} AND ${fenceHolds('', { token: h.token, now: h.now })}`;

/**
 * A plain heartbeat commits without waiting for its WAL flush (synchronous_commit off for this one
 * transaction, set inside the statement so it stays one round trip). That is safe because it writes
 * nothing but a lease extension and no event: if PostgreSQL crashes before the flush, the extension
 * is lost and the lease is only shorter than the worker was told. The reaper may then reclaim the
 * run earlier, and the worker learns it at its next heartbeat or completion (409) exactly as after
 * any lapsed lease; fencing is untouched. Every other write, events included, stays durable: a lost
 * event id could be reused after a crash and break Last-Event-ID resumes.
 */
const PLAIN_HEARTBEAT_SQL = `UPDATE runs SET claim_expires = ${h.now} + lease_ttl_seconds, last_heartbeat_at = ${h.now}
  WHERE ${LIVE_RUN} AND set_config('synchronous_commit', 'off', true) = 'off' RETURNING claim_expires`;

const PROGRESS_HEARTBEAT_SQL = `WITH beat AS (
    UPDATE runs SET claim_expires = ${h.now} + lease_ttl_seconds, last_heartbeat_at = ${h.now}, last_progress_at = ${h.now},
      metadata = CASE WHEN ${h.has_progress}::boolean THEN metadata || jsonb_build_object('progress', ${h.progress}::jsonb) ELSE metadata END
    WHERE ${LIVE_RUN}
    RETURNING id, board, task_id, claim_expires
  ), pending AS (
    SELECT board, task_id, id AS run_id, 'progress'::text AS kind, ${h.payload}::jsonb AS payload, 1::bigint AS ord FROM beat
  ), ${insertEventsSql(h.now)}
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
    const beat = await row<{ claim_expires: number }>(db, PLAIN_HEARTBEAT_SQL, PLAIN_HEARTBEAT.values({ now, run_id: runId, token }));
    return beat ? { claim_expires: Number(beat.claim_expires), events: [] } : null;
  }
  const event = pendingEvent({ board: '', kind: 'progress', payload: { progress: input.progress, note: input.note } });
  const beat = await row<{ claim_expires: number; events: unknown }>(
    db,
    PROGRESS_HEARTBEAT_SQL,
    HEARTBEAT.values({
      now,
      run_id: runId,
      token,
      has_progress: input.progress !== undefined,
      progress: JSON.stringify(input.progress ?? null),
      payload: JSON.stringify(event.payload),
    }),
  );
  return beat ? { claim_expires: Number(beat.claim_expires), events: eventsFromJson(beat.events) } : null;
}

export async function recordSignal(ctx: WriteContext, rawRecord: SignalRecord): Promise<void> {
  const record = validateSignalRecord(rawRecord);
  const run = await selectRun(ctx.db, record.run_id);
  if (!run) throw new NotFoundError(`run ${record.run_id} not found`);
  emit(ctx, signalEvent(run, record));
}
