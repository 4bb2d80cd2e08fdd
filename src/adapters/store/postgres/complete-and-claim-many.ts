import { newRunFields } from '../../../core/claim.js';
import { newClaimToken } from '../../../core/ids.js';
import type { EventRow } from '../../../core/types.js';
import type { ClaimRequest, Claimed, CompletedAndClaimed, CompleteInput } from '../../../ports/store.js';
import { toRun, toTask } from '../shared/rows.js';
import type { RunRow, TaskRow } from '../shared/rows.js';
import { fenceHolds } from '../shared/decision-sql.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import { claimedPayloadJson, insertRunSql, RUN_FIELD_PARAMS, runFieldValues } from './claim.js';
import { params } from './params.js';
import { fastCompletion } from './fast-complete.js';
import type { FastCompletion } from './fast-complete.js';
import { row } from './sql.js';
import type { Executor } from './sql.js';
import { TASK_COLUMNS } from './task-queries.js';

/** An item the batched statement may settle: its completion takes the fast path, its claim is the batch's. */
export interface BatchItem {
  runId: number;
  token: string;
  input: CompleteInput;
}

const statements = new Map<string, string>();

/**
 * Several completions, and as many claims as completions went through, in one statement: one commit
 * for the whole batch. It is fast-path completeAndClaim (complete-and-claim.ts) with a set of runs in
 * place of one: each completion is settled by the same core decision (fastCompletion), each claim
 * takes a ready task with FOR UPDATE SKIP LOCKED, and the candidates are as many as the completions
 * that matched (`ended`), so a refused completion claims nothing. Runs and tasks are locked in run id
 * order, so two batches (or a batch and the reaper) cannot lock each other's rows crosswise.
 *
 * Its parameters are batchParams's: the run fields are those of the shared claim request (claim.ts's
 * runFieldValues), the claim token being an array of them, one per possible claim in claim order.
 */
function batchSql(board: boolean, profile: boolean): string {
  const key = `${board}/${profile}`;
  const cached = statements.get(key);
  if (cached) return cached;
  const { $ } = batchParams(board, profile);
  const clauses = ["status = 'ready'", profile ? `assignee = ${$.profile_filter}` : 'assignee IS NULL'];
  if (board) clauses.push(`board = ${$.board}`);
  const sql = `WITH input AS (
      SELECT * FROM jsonb_to_recordset(${$.items}::jsonb) AS i(n bigint, run_id bigint, token text, outcome text, summary text,
        error text, task_status text, has_result boolean, result text, kind text, payload jsonb)
    ), target AS (
      SELECT i.n, r.id AS run_id, t.seq FROM input i
      JOIN runs r ON r.id = i.run_id
      JOIN tasks t ON t.id = r.task_id
      WHERE ${fenceHolds('r.', { token: 'i.token', now: $.now })}
        AND t.status = 'running' AND t.current_run_id = r.id AND NOT t.has_children
      ORDER BY r.id
      FOR UPDATE OF r, t
    ), ended AS (
      UPDATE runs r SET ended_at = ${$.now}, outcome = i.outcome, summary = i.summary, error = i.error
      FROM target JOIN input i ON i.n = target.n WHERE r.id = target.run_id
      RETURNING r.*, target.n AS item
    ), moved AS (
      UPDATE tasks t SET status = i.task_status, current_run_id = NULL, updated_at = ${$.now},
        result = CASE WHEN i.has_result THEN i.result::jsonb ELSE t.result END
      FROM target JOIN input i ON i.n = target.n WHERE t.seq = target.seq
      RETURNING target.n AS item, ${TASK_COLUMNS}
    ), candidate AS (
      SELECT seq, row_number() OVER (ORDER BY priority DESC, created_at, seq) AS k FROM (
        SELECT seq, priority, created_at FROM tasks WHERE ${clauses.join(' AND ')}
        ORDER BY priority DESC, created_at, seq
        LIMIT (SELECT count(*) FROM ended) FOR UPDATE SKIP LOCKED
      ) picked
    ), new_run AS (
      ${insertRunSql($, `(${$.claim_token}::text[])[c.k]`)}
      FROM candidate c JOIN tasks t ON t.seq = c.seq
      ORDER BY c.k
      RETURNING *
    ), claimed AS (
      UPDATE tasks t SET status = 'running', attempts = t.attempts + 1, current_run_id = nr.id, updated_at = ${$.started_at}
      FROM new_run nr WHERE t.id = nr.task_id
      RETURNING ${TASK_COLUMNS}
    ), pending AS (
      SELECT e.board, e.task_id, e.id AS run_id, i.kind, i.payload || jsonb_build_object('actor', e.worker) AS payload,
        e.item AS ord
      FROM ended e JOIN input i ON i.n = e.item
      UNION ALL
      SELECT nr.board, nr.task_id, nr.id AS run_id, 'claimed'::text AS kind,
        ${$.claimed_payload}::jsonb || jsonb_build_object('attempt', c.attempts) AS payload,
        1000000000 + nr.id AS ord
      FROM new_run nr JOIN claimed c ON c.id = nr.task_id
    ), ${insertEventsSql($.now)}
    SELECT (SELECT json_agg(e) FROM ended e) AS runs, (SELECT json_agg(m) FROM moved m) AS tasks,
      (SELECT json_agg(nr) FROM new_run nr) AS next_runs, (SELECT json_agg(c) FROM claimed c) AS next_tasks,
      (SELECT json_agg(inserted) FROM inserted) AS events`;
  statements.set(key, sql);
  return sql;
}

/** `now`, the items as JSON, the shared claim's run fields and event payload, then its filters in use. */
function batchParams(board: boolean, profile: boolean) {
  return params([
    'now',
    'items',
    ...RUN_FIELD_PARAMS,
    'claimed_payload',
    ...(profile ? (['profile_filter'] as const) : []),
    ...(board ? (['board'] as const) : []),
  ]);
}

export interface BatchOutcome {
  /** Per item, in item order: the settled completion and its claim, or undefined when the statement did not apply to it. */
  settled: (CompletedAndClaimed | undefined)[];
  events: EventRow[];
}

/**
 * Settles what it can of `items` (all sharing the validated, task-id-free claim request `req`) in one
 * statement. An item left undefined was not touched: its completion needs the general path or was
 * refused, and the caller settles it alone, where the core names the reason.
 */
export async function fastCompleteAndClaimMany(
  db: Executor,
  items: readonly BatchItem[],
  req: ClaimRequest,
  now: number,
): Promise<BatchOutcome> {
  const input: ({ n: number; run_id: number; token: string } & FastCompletion)[] = [];
  items.forEach((item, n) => {
    const completion = fastCompletion(item.runId, item.input, now);
    if (completion) input.push({ n, run_id: item.runId, token: item.token, ...completion });
  });
  const settled: (CompletedAndClaimed | undefined)[] = items.map(() => undefined);
  if (input.length === 0) return { settled, events: [] };
  const tokens = input.map(() => newClaimToken());
  const fields = newRunFields({ id: '', board: '', max_runtime_seconds: null }, req, '', now);
  const profile = Boolean(req.profile);
  const values = batchParams(req.board !== undefined, profile).values({
    now,
    items: JSON.stringify(input),
    ...runFieldValues(fields, tokens),
    claimed_payload: claimedPayloadJson(fields),
    profile_filter: req.profile,
    board: req.board,
  });
  const found = await row<{ runs: unknown; tasks: unknown; next_runs: unknown; next_tasks: unknown; events: unknown }>(
    db,
    batchSql(req.board !== undefined, profile),
    values,
  );
  const runs = listOf<RunRow & { item: number }>(found?.runs);
  const tasks = new Map(listOf<TaskRow & { item: number }>(found?.tasks).map((t) => [Number(t.item), t]));
  const nextTasks = new Map(listOf<TaskRow>(found?.next_tasks).map((t) => [t.id, t]));
  // A new run's token is the one drawn for its claim's place in line: that order hands the best task to the first item.
  const claimOrder = new Map(tokens.map((token, k) => [token, k]));
  const claims: Claimed[] = listOf<RunRow>(found?.next_runs)
    .sort((a, b) => (claimOrder.get(a.claim_token) ?? 0) - (claimOrder.get(b.claim_token) ?? 0))
    .map((run) => ({ run: toRun(run), task: toTask(nextTasks.get(run.task_id) as TaskRow) }));
  for (const run of runs.sort((a, b) => Number(a.item) - Number(b.item))) {
    const task = tasks.get(Number(run.item));
    if (!task) continue;
    settled[Number(run.item)] = { run: toRun(run), task: toTask(task), next: claims.shift() ?? null };
  }
  return { settled, events: eventsFromJson(found?.events) };
}

function listOf<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}
