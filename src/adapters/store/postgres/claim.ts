import { newRunFields, validateClaimRequest } from '../../../core/claim.js';
import { claimedPayload } from '../../../core/events.js';
import { newClaimToken } from '../../../core/ids.js';
import type { EventRow, Run } from '../../../core/types.js';
import type { ClaimRequest, Claimed } from '../../../ports/store.js';
import { toRun, toTask } from '../shared/rows.js';
import type { RunRow, TaskRow } from '../shared/rows.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import { row } from './sql.js';
import type { Executor } from './sql.js';
import { TASK_COLUMNS } from './task-queries.js';

/** The run's columns, the event payload and `now` come first; the candidate filters follow. */
const FIXED_PARAMS = 17;
/** `now`, used by the statement that inserts the claim's event row (claimCtes itself does not). */
export const CLAIM_NOW_PARAM = 17;
const statements = new Map<string, string>();

export interface ClaimFilters {
  profile: boolean;
  board: boolean;
  taskId: boolean;
}

/**
 * The CTEs of a claim: `candidate` picks the best ready task with FOR UPDATE SKIP LOCKED (concurrent
 * claimers skip each other's candidates instead of queueing behind them, and a row is never handed
 * out twice), `new_run` opens its run, `claimed` marks the task running, and `claim_pending` is its
 * `claimed` event row (columns of events.ts's `pending`, with `ord`). The run's fields come from the
 * core (newRunFields); the one field that depends on the task row, the task's own runtime limit
 * winning over the claimer's default, is applied here as COALESCE because the task is only known
 * inside the statement.
 *
 * Parameters are numbered from `offset + 1`, so the CTEs can follow another statement's own (the
 * fused completion); `gate`, when given, is a condition the candidate must also meet.
 */
export function claimCtes(filters: ClaimFilters, offset: number, gate?: string): string {
  const p = (n: number): string => `$${offset + n}`;
  const clauses = ["status = 'ready'"];
  let next = FIXED_PARAMS;
  if (filters.taskId) clauses.push(`id = ${p(++next)}`);
  // A worker without a profile only takes tasks nobody assigned to a profile.
  else clauses.push(filters.profile ? `assignee = ${p(++next)}` : 'assignee IS NULL');
  if (filters.board) clauses.push(`board = ${p(++next)}`);
  if (gate) clauses.push(gate);
  return `candidate AS (
      SELECT seq FROM tasks WHERE ${clauses.join(' AND ')}
      ORDER BY priority DESC, created_at, seq
      LIMIT 1 FOR UPDATE SKIP LOCKED
    ), new_run AS (
      INSERT INTO runs (task_id, board, profile, worker, host, worker_pid, worker_started_at, claim_lock, claim_token,
        claim_expires, lease_ttl_seconds, last_heartbeat_at, last_progress_at, max_runtime_seconds, started_at, metadata,
        worker_origin)
      SELECT t.id, t.board, ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}, ${p(9)}, ${p(10)}, ${p(11)},
        COALESCE(t.max_runtime_seconds, ${p(12)}), ${p(13)}, ${p(14)}::jsonb, ${p(15)}
      FROM candidate c JOIN tasks t ON t.seq = c.seq
      RETURNING *
    ), claimed AS (
      UPDATE tasks t SET status = 'running', attempts = t.attempts + 1, current_run_id = nr.id, updated_at = ${p(13)}
      FROM new_run nr WHERE t.id = nr.task_id
      RETURNING ${TASK_COLUMNS}
    ), claim_pending AS (
      SELECT nr.board, nr.task_id, nr.id AS run_id, 'claimed'::text AS kind,
        ${p(16)}::jsonb || jsonb_build_object('attempt', c.attempts) AS payload
      FROM new_run nr JOIN claimed c ON c.id = nr.task_id
    )`;
}

/** The whole claim is one statement, so one round trip and its own transaction. */
function claimSql(filters: ClaimFilters): string {
  const key = `${filters.profile}/${filters.board}/${filters.taskId}`;
  const cached = statements.get(key);
  if (cached) return cached;
  const sql = `WITH ${claimCtes(filters, 0)}, pending AS (
      SELECT board, task_id, run_id, kind, payload, 1::bigint AS ord FROM claim_pending
    ), ${insertEventsSql(`$${CLAIM_NOW_PARAM}`)}
    SELECT row_to_json(nr) AS run, row_to_json(c) AS task,
      (SELECT json_agg(inserted) FROM inserted) AS events
    FROM new_run nr JOIN claimed c ON c.id = nr.task_id`;
  statements.set(key, sql);
  return sql;
}

/**
 * A new run's fields as the parameters claimCtes numbers 1 to 15, with `token` in the claim token's
 * place (one token, or the batch statement's array of them).
 */
export function runFieldValues(fields: Omit<Run, 'id'>, token: unknown): unknown[] {
  return [
    fields.profile,
    fields.worker,
    fields.host,
    fields.worker_pid,
    fields.worker_started_at,
    fields.claim_lock,
    token,
    fields.claim_expires,
    fields.lease_ttl_seconds,
    fields.last_heartbeat_at,
    fields.last_progress_at,
    fields.max_runtime_seconds,
    fields.started_at,
    JSON.stringify(fields.metadata),
    fields.worker_origin,
  ];
}

/** The payload of a claim's `claimed` event as JSON, before the attempt the statement adds from the task row. */
export function claimedPayloadJson(fields: Omit<Run, 'id'>): string {
  return JSON.stringify(claimedPayload(fields));
}

/** The filters and parameter values of claimCtes for one validated request. */
export function claimParams(rawReq: ClaimRequest, now: number): { filters: ClaimFilters; values: unknown[] } {
  const req = validateClaimRequest(rawReq);
  // The task is not known yet: board and id are taken from the row, the runtime limit as described above.
  const fields = newRunFields({ id: '', board: '', max_runtime_seconds: null }, req, newClaimToken(), now);
  const filters = { profile: Boolean(req.profile), board: req.board !== undefined, taskId: req.task_id !== undefined };
  const values: unknown[] = [...runFieldValues(fields, fields.claim_token), claimedPayloadJson(fields), now];
  if (filters.taskId) values.push(req.task_id);
  else if (filters.profile) values.push(req.profile);
  if (filters.board) values.push(req.board);
  return { filters, values };
}

export async function claim(db: Executor, rawReq: ClaimRequest, now: number): Promise<{ claimed: Claimed; events: EventRow[] } | null> {
  const { filters, values } = claimParams(rawReq, now);
  const found = await row<{ run: RunRow; task: TaskRow; events: unknown }>(db, claimSql(filters), values);
  if (!found) return null;
  return { claimed: { task: toTask(found.task), run: toRun(found.run) }, events: eventsFromJson(found.events) };
}
