import { ConflictError, LeaseLostError } from '../../../core/errors.js';
import { completionEventKind, endRunEventKind, signalEvent } from '../../../core/events.js';
import type { SignalRecord } from '../../../core/events.js';
import { assertFence } from '../../../core/lease.js';
import { fenceHolds } from '../shared/decision-sql.js';
import { validateProcessRecord, validateSignalRecord } from '../../../core/run-input.js';
import type { ProcessRecord } from '../../../core/run-input.js';
import {
  validateClaimToken,
  validateCompleteInput,
  validateEndRunInput,
  validateHeartbeatInput,
  validateRunId,
} from '../../../core/run-input.js';
import type { Run } from '../../../core/types.js';
import type { CompleteInput, EndRunInput, HeartbeatInput, RunEnded } from '../../../ports/store.js';
import { toRun } from '../shared/rows.js';
import type { RunRow } from '../shared/rows.js';
import type { LeaseRenewal } from './active-runs.js';
import { emit } from './context.js';
import type { ReadContext, WriteContext } from './context.js';
import { finishRun, requireRun } from './run-queries.js';

/**
 * The common heartbeat is one UPDATE guarded by id, token and liveness; only when it matches no row
 * is the run read, to tell the worker exactly why it lost the lease. Answers the fields the renewal
 * wrote, as the UPDATE returns them (the store carries them into its cached listing rows).
 */
export function heartbeat(
  ctx: WriteContext,
  rawRunId: number,
  rawToken: string,
  rawInput: HeartbeatInput | undefined,
): LeaseRenewal {
  const runId = validateRunId(rawRunId);
  const token = validateClaimToken(rawToken);
  const input = validateHeartbeatInput(rawInput);
  if (input.progress === undefined && input.note === undefined) {
    const row = ctx.q.get<LeaseRenewal>(PLAIN_HEARTBEAT_SQL, { now: ctx.now, id: runId, token });
    if (row) return row;
  }
  const run = requireRun(ctx.q, runId);
  assertFence(run, token, ctx.now);
  if (input.progress === undefined && input.note === undefined) {
    throw new LeaseLostError(runId, 'lease could not be extended');
  }
  const metadata = input.progress === undefined ? run.metadata : { ...run.metadata, progress: input.progress };
  const renewal = ctx.q.get<LeaseRenewal>(
    `UPDATE runs SET claim_expires = ? + lease_ttl_seconds, last_heartbeat_at = ?, last_progress_at = ?, metadata = ? WHERE id = ?
     RETURNING ${RENEWAL_COLUMNS}`,
    ctx.now,
    ctx.now,
    ctx.now,
    JSON.stringify(metadata),
    runId,
  )!;
  emit(ctx, {
    board: run.board,
    task_id: run.task_id,
    run_id: run.id,
    kind: 'progress',
    payload: { progress: input.progress, note: input.note },
  });
  return renewal;
}

const RENEWAL_COLUMNS = 'claim_expires, last_heartbeat_at, last_progress_at';

const PLAIN_HEARTBEAT_SQL = `UPDATE runs SET claim_expires = @now + lease_ttl_seconds, last_heartbeat_at = @now
  WHERE id = @id AND ${fenceHolds('', { token: '@token', now: '@now' })}
  RETURNING ${RENEWAL_COLUMNS}`;

export function complete(ctx: WriteContext, rawRunId: number, rawToken: string, rawInput: CompleteInput): RunEnded {
  const runId = validateRunId(rawRunId);
  const token = validateClaimToken(rawToken);
  const input = validateCompleteInput(rawInput);
  const run = requireRun(ctx.q, runId);
  assertFence(run, token, ctx.now);
  return finishRun(
    ctx,
    run,
    { outcome: input.outcome },
    { summary: input.summary, error: input.error, result: input.result, actor: run.worker },
    completionEventKind(input.outcome),
  );
}

export function recordProcess(
  ctx: WriteContext,
  rawRunId: number,
  rawProc: ProcessRecord,
): Run {
  const runId = validateRunId(rawRunId);
  const { pid, worker_started_at: startedAt, host: newHost } = validateProcessRecord(rawProc);
  const run = requireRun(ctx.q, runId);
  if (run.ended_at !== null) throw new ConflictError(`run ${runId} already ended`);
  const host = newHost ?? run.host;
  // recordProcess is the dispatcher's own record of the child it started: the one proof a pid is ours.
  ctx.q.run(
    "UPDATE runs SET worker_pid = ?, worker_started_at = ?, host = ?, worker_origin = 'spawned' WHERE id = ?",
    pid,
    startedAt,
    host,
    runId,
  );
  emit(ctx, {
    board: run.board,
    task_id: run.task_id,
    run_id: run.id,
    kind: 'process_recorded',
    payload: { pid: pid, worker_started_at: startedAt, host, worker_origin: 'spawned' },
  });
  return requireRun(ctx.q, runId);
}

export function requestStop(ctx: WriteContext, rawRunId: number, by: { actor?: string; reason?: string }): Run {
  const runId = validateRunId(rawRunId);
  const run = requireRun(ctx.q, runId);
  if (run.ended_at !== null) throw new ConflictError(`run ${runId} already ended`);
  if (run.stop_requested_at !== null) return run;
  ctx.q.run('UPDATE runs SET stop_requested_at = ? WHERE id = ?', ctx.now, runId);
  emit(ctx, {
    board: run.board,
    task_id: run.task_id,
    run_id: run.id,
    kind: 'stop_requested',
    payload: { actor: by?.actor, reason: by?.reason },
  });
  return requireRun(ctx.q, runId);
}

export function endRun(ctx: WriteContext, rawRunId: number, rawInput: EndRunInput): RunEnded {
  const runId = validateRunId(rawRunId);
  const input = validateEndRunInput(rawInput);
  const run = requireRun(ctx.q, runId);
  if (run.ended_at !== null) throw new ConflictError(`run ${runId} already ended`);
  return finishRun(
    ctx,
    run,
    { outcome: input.outcome, then: input.then },
    { exit_code: input.exit_code, error: input.error, summary: input.summary, actor: input.actor, reason: input.reason },
    endRunEventKind(input.outcome),
  );
}

export function listRuns(ctx: ReadContext, taskId: string): Run[] {
  return ctx.q.all<RunRow>('SELECT * FROM runs WHERE task_id = ? ORDER BY id', taskId).map(toRun);
}


export function recordSignal(ctx: WriteContext, rawRecord: SignalRecord): void {
  const record = validateSignalRecord(rawRecord);
  emit(ctx, signalEvent(requireRun(ctx.q, record.run_id), record));
}
