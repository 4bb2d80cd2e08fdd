import type { EventRow } from '../../../core/types.js';
import type { ClaimRequest, CompleteInput, CompletedAndClaimed } from '../../../ports/store.js';
import { toRun, toTask } from '../shared/rows.js';
import type { RunRow, TaskRow } from '../shared/rows.js';
import { claimCtes, claimParamList, claimParams } from './claim.js';
import type { ClaimFilters } from './claim.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import { COMPLETE, COMPLETE_CTES, completeParams } from './fast-complete.js';
import { row } from './sql.js';
import type { Executor } from './sql.js';

const statements = new Map<string, string>();

/**
 * A worker's completion and its next claim in one statement, so one round trip and one commit (one
 * WAL flush) per task instead of two. The claim's candidate is gated on the completion having ended
 * the run: a refused completion (lost lease, wrong token) matches no row, so nothing is claimed and
 * the statement returns no row. One snapshot serves both: the completed task is `running` in it, so
 * it can never be its own next candidate, and its children (if any) make it take the general path.
 * The completion's event comes before the claim's. Both halves carry the same `now`; the events take
 * the claim's copy so that every parameter is referenced.
 */
function fusedSql(filters: ClaimFilters): string {
  const key = `${filters.profile}/${filters.board}/${filters.taskId}`;
  const cached = statements.get(key);
  if (cached) return cached;
  const sql = `WITH ${COMPLETE_CTES}, ${claimCtes(filters, COMPLETE.count, 'EXISTS (SELECT 1 FROM ended)')}, pending AS (
      SELECT board, task_id, run_id, kind, payload, 1::bigint AS ord FROM complete_pending
      UNION ALL SELECT board, task_id, run_id, kind, payload, 2::bigint AS ord FROM claim_pending
    ), ${insertEventsSql(claimParamList(filters, COMPLETE.count).$.now)}
    SELECT row_to_json(e) AS run, (SELECT row_to_json(moved) FROM moved) AS task,
      (SELECT row_to_json(nr) FROM new_run nr) AS next_run, (SELECT row_to_json(c) FROM claimed c) AS next_task,
      (SELECT json_agg(inserted) FROM inserted) AS events
    FROM ended e`;
  statements.set(key, sql);
  return sql;
}

/** Null when the completion needs the general path (or was refused): the caller then decides in a transaction. */
export async function fastCompleteAndClaim(
  db: Executor,
  runId: number,
  token: string,
  input: CompleteInput,
  next: ClaimRequest,
  now: number,
): Promise<{ value: CompletedAndClaimed; events: EventRow[] } | null> {
  const completion = completeParams(runId, token, input, now);
  if (!completion) return null;
  const { filters, values } = claimParams(next, now);
  const found = await row<{ run: RunRow; task: TaskRow; next_run: RunRow | null; next_task: TaskRow | null; events: unknown }>(
    db,
    fusedSql(filters),
    [...completion, ...values],
  );
  if (!found) return null;
  const claimed = found.next_run && found.next_task ? { task: toTask(found.next_task), run: toRun(found.next_run) } : null;
  return {
    value: { run: toRun(found.run), task: toTask(found.task), next: claimed },
    events: eventsFromJson(found.events),
  };
}
