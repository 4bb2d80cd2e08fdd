import { NotFoundError } from '../../../core/errors.js';
import { runEndedEvent } from '../../../core/events.js';
import type { EventKind, RunEndDetails } from '../../../core/events.js';
import { settleRun } from '../../../core/settle.js';
import type { SettleInput } from '../../../core/settle.js';
import type { Run, Task } from '../../../core/types.js';
import type { RunEnded } from '../../../ports/store.js';
import { toRun, toTask } from '../shared/rows.js';
import type { RunRow, TaskRow } from '../shared/rows.js';
import { emit } from './context.js';
import type { WriteContext } from './context.js';
import { jsonParam, row } from './sql.js';
import type { Executor } from './sql.js';
import { refreshChildren, TASK_COLUMNS } from './task-queries.js';

export async function selectRun(db: Executor, id: number): Promise<Run | null> {
  const found = await row<RunRow>(db, 'SELECT * FROM runs WHERE id = $1', [id]);
  return found ? toRun(found) : null;
}

export async function lockRun(db: Executor, id: number): Promise<Run> {
  const found = await row<RunRow>(db, 'SELECT * FROM runs WHERE id = $1 FOR UPDATE', [id]);
  if (!found) throw new NotFoundError(`run ${id} not found`);
  return toRun(found);
}

export interface LockedRun {
  run: Run;
  task: Task;
  allParentsDone: boolean;
}

/** A run and its task, both locked until the transaction ends, read in one round trip. */
export async function lockRunAndTask(db: Executor, id: number): Promise<LockedRun> {
  const found = await row<{ run: RunRow; task: TaskRow; unfinished: number }>(
    db,
    `SELECT row_to_json(r) AS run, row_to_json(x) AS task,
       (SELECT COUNT(*)::int FROM task_links l JOIN tasks p ON p.id = l.parent_id
        WHERE l.task_id = t.id AND p.status <> 'done') AS unfinished
     FROM runs r JOIN tasks t ON t.id = r.task_id
     CROSS JOIN LATERAL (SELECT ${TASK_COLUMNS}) x
     WHERE r.id = $1
     FOR UPDATE OF r, t`,
    [id],
  );
  if (!found) throw new NotFoundError(`run ${id} not found`);
  return { run: toRun(found.run), task: toTask(found.task), allParentsDone: found.unfinished === 0 };
}

export type { RunEndDetails } from '../../../core/events.js';

const APPLY_SETTLEMENT_SQL = `WITH ended AS (
    UPDATE runs SET ended_at = $2, outcome = $3, exit_code = $4, summary = $5, error = $6, metadata = $7::jsonb
    WHERE id = $1 AND ended_at IS NULL
    RETURNING *
  ), moved AS (
    UPDATE tasks t SET status = $8,
      current_run_id = CASE WHEN t.current_run_id = $1 THEN NULL ELSE t.current_run_id END,
      result = CASE WHEN $9::boolean THEN $10::jsonb ELSE t.result END,
      updated_at = $2
    WHERE t.id = $11 AND $12::boolean
    RETURNING ${TASK_COLUMNS}
  )
  SELECT (SELECT row_to_json(ended) FROM ended) AS run,
    COALESCE((SELECT row_to_json(moved) FROM moved), (SELECT row_to_json(x) FROM (SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = $11) x)) AS task`;

/**
 * Closes a live run (locked by the caller, with its task) and moves its task as the core decides,
 * with one event for both, then lets waiting children follow when the task entered or left done.
 */
export async function finishRun(
  ctx: WriteContext,
  locked: LockedRun,
  settle: SettleInput,
  details: RunEndDetails,
  kind: EventKind,
): Promise<RunEnded> {
  const { run, task } = locked;
  const settlement = settleRun(task, run, settle, ctx.now, locked.allParentsDone);
  const moved = settlement.task_status !== task.status;
  const applied = await row<{ run: RunRow; task: TaskRow }>(ctx.db, APPLY_SETTLEMENT_SQL, [
    run.id,
    settlement.ended_at,
    settlement.outcome,
    details.exit_code ?? null,
    details.summary ?? null,
    details.error ?? null,
    JSON.stringify(settlement.metadata),
    settlement.task_status,
    details.result !== undefined,
    jsonParam(details.result),
    task.id,
    moved || details.result !== undefined,
  ]);
  if (!applied?.run) throw new Error(`run ${run.id} changed under its row lock`);
  emit(ctx, runEndedEvent(run, task, settle, settlement, details, kind));
  if (moved && (settlement.task_status === 'done' || task.status === 'done')) await refreshChildren(ctx, task.id);
  return { run: toRun(applied.run), task: toTask(applied.task) };
}
