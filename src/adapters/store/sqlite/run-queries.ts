import { NotFoundError } from '../../../core/errors.js';
import { settleRun } from '../../../core/settle.js';
import type { SettleInput } from '../../../core/settle.js';
import { runEndedEvent } from '../../../core/events.js';
import type { EventKind, RunEndDetails } from '../../../core/events.js';
import type { Run, Task } from '../../../core/types.js';
import type { RunEnded } from '../../../ports/store.js';
import { jsonText, toRun } from '../shared/rows.js';
import type { RunRow } from '../shared/rows.js';
import { emit } from './context.js';
import type { WriteContext } from './context.js';
import type { Statements } from './statements.js';
import { allParentsDone, refreshChildren, requireTask } from './task-queries.js';

export function selectRun(q: Statements, id: number): Run | null {
  const row = q.get<RunRow>('SELECT * FROM runs WHERE id = ?', id);
  return row ? toRun(row) : null;
}

export function requireRun(q: Statements, id: number): Run {
  const run = selectRun(q, id);
  if (!run) throw new NotFoundError(`run ${id} not found`);
  return run;
}

export function insertRun(ctx: WriteContext, run: Omit<Run, 'id'>): number {
  const result = ctx.q.run(
    `INSERT INTO runs (task_id, board, profile, worker, host, worker_pid, worker_started_at, worker_origin, claim_lock,
       claim_token, claim_expires, lease_ttl_seconds, last_heartbeat_at, last_progress_at, max_runtime_seconds, started_at,
       ended_at, outcome, exit_code, summary, error, metadata, stop_requested_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    run.task_id,
    run.board,
    run.profile,
    run.worker,
    run.host,
    run.worker_pid,
    run.worker_started_at,
    run.worker_origin,
    run.claim_lock,
    run.claim_token,
    run.claim_expires,
    run.lease_ttl_seconds,
    run.last_heartbeat_at,
    run.last_progress_at,
    run.max_runtime_seconds,
    run.started_at,
    run.ended_at,
    run.outcome,
    run.exit_code,
    run.summary,
    run.error,
    JSON.stringify(run.metadata),
    run.stop_requested_at,
  );
  return Number(result.lastInsertRowid);
}

export type { RunEndDetails } from '../../../core/events.js';

/**
 * Closes a live run and moves its task as the core decides, with one event for both, then lets
 * waiting children follow when the task entered done.
 */
export function finishRun(
  ctx: WriteContext,
  run: Run,
  settle: SettleInput,
  details: RunEndDetails,
  kind: EventKind,
): RunEnded {
  const task: Task = requireTask(ctx.q, run.task_id);
  const needsParents = task.status === 'running' && (settle.then === 'requeue' || settle.outcome !== 'completed');
  const settlement = settleRun(task, run, settle, ctx.now, needsParents ? allParentsDone(ctx.q, task.id) : true);
  ctx.q.run(
    `UPDATE runs SET ended_at = ?, outcome = ?, exit_code = ?, summary = ?, error = ?, metadata = ?
     WHERE id = ? AND ended_at IS NULL`,
    settlement.ended_at,
    settlement.outcome,
    details.exit_code ?? null,
    details.summary ?? null,
    details.error ?? null,
    JSON.stringify(settlement.metadata),
    run.id,
  );
  const moved = settlement.task_status !== task.status;
  if (moved || details.result !== undefined) {
    ctx.q.run(
      `UPDATE tasks SET status = ?, current_run_id = CASE WHEN current_run_id = ? THEN NULL ELSE current_run_id END,
         result = CASE WHEN ? THEN ? ELSE result END, updated_at = ?
       WHERE id = ?`,
      settlement.task_status,
      run.id,
      details.result !== undefined ? 1 : 0,
      jsonText(details.result),
      ctx.now,
      task.id,
    );
  }
  emit(ctx, runEndedEvent(run, task, settle, settlement, details, kind));
  if (moved && (settlement.task_status === 'done' || task.status === 'done')) refreshChildren(ctx, task.id);
  return { run: requireRun(ctx.q, run.id), task: requireTask(ctx.q, task.id) };
}
