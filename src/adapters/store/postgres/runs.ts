import { validateProcessRecord } from '../../../core/run-input.js';
import type { ProcessRecord } from '../../../core/run-input.js';
import { ConflictError, LeaseLostError, NotFoundError } from '../../../core/errors.js';
import { endRunEventKind } from '../../../core/events.js';
import { assertFence, isOverRuntime } from '../../../core/lease.js';
import {
  validateClaimToken,
  validateCompleteInput,
  validateEndRunInput,
  validateHeartbeatInput,
  validateRunId,
} from '../../../core/run-input.js';
import type { Run } from '../../../core/types.js';
import type { CompleteInput, EndRunInput, HeartbeatInput, ReapResult, RunEnded } from '../../../ports/store.js';
import { toRun } from '../shared/rows.js';
import type { RunRow } from '../shared/rows.js';
import { emit } from './context.js';
import type { WriteContext } from './context.js';
import { finishRun, lockRun, lockRunAndTask, selectRun } from './run-queries.js';
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
    input.outcome === 'completed' ? 'completed' : 'run_ended',
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

const REAPABLE_SQL = `SELECT id FROM runs WHERE ended_at IS NULL
    AND (claim_expires < $1 OR (max_runtime_seconds IS NOT NULL AND started_at + max_runtime_seconds < $1))
  ORDER BY id`;

/** Cheap check the reaper makes every tick before opening a transaction. */
export async function anythingToReap(db: Executor, now: number): Promise<boolean> {
  return (await rows<{ id: string }>(db, `${REAPABLE_SQL} LIMIT 1`, [now])).length > 0;
}

/**
 * Runs past their max runtime time out; of the rest, those whose lease lapsed are reclaimed. Runs
 * another transaction holds (a heartbeat or completion in flight) are skipped: the next tick sees
 * them again if they still qualify.
 */
export async function reap(ctx: WriteContext): Promise<ReapResult> {
  const due = await rows<{ id: string }>(ctx.db, `${REAPABLE_SQL} FOR UPDATE SKIP LOCKED`, [ctx.now]);
  const result: ReapResult = { reclaimed: [], timed_out: [] };
  for (const { id } of due) {
    const locked = await lockRunAndTask(ctx.db, Number(id));
    if (locked.run.ended_at !== null) continue;
    if (isOverRuntime(locked.run, ctx.now)) {
      result.timed_out.push(
        await finishRun(ctx, locked, { outcome: 'timed_out' }, { actor: 'reaper', reason: 'max runtime exceeded' }, 'timed_out'),
      );
    } else {
      result.reclaimed.push(
        await finishRun(ctx, locked, { outcome: 'reclaimed' }, { actor: 'reaper', reason: 'lease expired' }, 'reclaimed'),
      );
    }
  }
  return result;
}
