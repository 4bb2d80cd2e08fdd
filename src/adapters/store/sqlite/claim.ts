import { validateClaimRequest, newRunFields } from '../../../core/claim.js';
import { newClaimToken } from '../../../core/ids.js';
import type { ClaimRequest, Claimed } from '../../../ports/store.js';
import { claimedPayload } from '../../../core/events.js';
import { emit } from './context.js';
import type { WriteContext } from './context.js';
import { insertRun, requireRun } from './run-queries.js';
import { requireTask } from './task-queries.js';

/**
 * One candidate lookup on the partial index of ready tasks, then the run insert and a task update
 * guarded by status = 'ready'. Runs inside BEGIN IMMEDIATE, so no two claimers see the same candidate.
 * A ready task's parents are all done by construction (todo → ready happens when the last one finishes).
 */
export function claim(ctx: WriteContext, rawReq: ClaimRequest): Claimed | null {
  const req = validateClaimRequest(rawReq);
  const candidate = findCandidate(ctx, req);
  if (!candidate) return null;
  const task = requireTask(ctx.q, candidate.id);
  const runId = insertRun(ctx, newRunFields(task, req, newClaimToken(), ctx.now));
  const updated = ctx.q.run(
    `UPDATE tasks SET status = 'running', attempts = attempts + 1, current_run_id = ?, updated_at = ?
     WHERE seq = ? AND status = 'ready'`,
    runId,
    ctx.now,
    candidate.seq,
  );
  if (updated.changes !== 1) throw new Error(`claim of task ${candidate.id} lost its guard inside an immediate transaction`);
  const run = requireRun(ctx.q, runId);
  const claimedTask = requireTask(ctx.q, candidate.id);
  emit(ctx, {
    board: run.board,
    task_id: run.task_id,
    run_id: run.id,
    kind: 'claimed',
    payload: { ...claimedPayload(run), attempt: claimedTask.attempts },
  });
  return { task: claimedTask, run };
}

function findCandidate(ctx: WriteContext, req: ClaimRequest): { seq: number; id: string } | undefined {
  const clauses = ["status = 'ready'"];
  const params: unknown[] = [];
  if (req.task_id !== undefined) {
    clauses.push('id = ?');
    params.push(req.task_id);
  } else if (req.profile) {
    clauses.push('assignee = ?');
    params.push(req.profile);
  } else {
    // A worker without a profile only takes tasks nobody assigned to a profile.
    clauses.push('assignee IS NULL');
  }
  if (req.board !== undefined) {
    clauses.push('board = ?');
    params.push(req.board);
  }
  return ctx.q.get<{ seq: number; id: string }>(
    `SELECT seq, id FROM tasks WHERE ${clauses.join(' AND ')} ORDER BY priority DESC, created_at ASC, seq ASC LIMIT 1`,
    ...params,
  );
}
