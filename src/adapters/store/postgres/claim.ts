import { newRunFields, validateClaimRequest } from '../../../core/claim.js';
import { claimedPayload } from '../../../core/events.js';
import { newClaimToken } from '../../../core/ids.js';
import type { EventRow, Run } from '../../../core/types.js';
import type { ClaimRequest, Claimed } from '../../../ports/store.js';
import { toRun, toTask } from '../shared/rows.js';
import type { RunRow, TaskRow } from '../shared/rows.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import { params } from './params.js';
import { row } from './sql.js';
import type { Executor } from './sql.js';
import { TASK_COLUMNS } from './task-queries.js';

const statements = new Map<string, string>();

/** The columns of a new run the claim statements insert from parameters, in the INSERT's order. */
export const RUN_FIELD_PARAMS = [
  'profile',
  'worker',
  'host',
  'worker_pid',
  'worker_started_at',
  'claim_lock',
  'claim_token',
  'claim_expires',
  'lease_ttl_seconds',
  'last_heartbeat_at',
  'last_progress_at',
  'max_runtime_seconds',
  'started_at',
  'metadata',
  'worker_origin',
] as const;
type RunFieldParam = (typeof RUN_FIELD_PARAMS)[number];

/** The INSERT of a claim's run: `t` is the candidate task, `p` the run fields' placeholders, `token` the claim token's expression. */
export function insertRunSql(p: { readonly [K in RunFieldParam]: string }, token: string): string {
  return `INSERT INTO runs (task_id, board, ${RUN_FIELD_PARAMS.join(', ')})
      SELECT t.id, t.board, ${RUN_FIELD_PARAMS.map((name) =>
        name === 'claim_token'
          ? token
          : name === 'max_runtime_seconds'
            ? `COALESCE(t.max_runtime_seconds, ${p.max_runtime_seconds})`
            : name === 'metadata'
              ? `${p.metadata}::jsonb`
              : p[name],
      ).join(', ')}`;
}

export interface ClaimFilters {
  profile: boolean;
  board: boolean;
  taskId: boolean;
}

/** The parameters of claimCtes after `offset`: the run's fields, the event payload, `now`, then the filters in use. */
export function claimParamList(filters: ClaimFilters, offset: number) {
  return params(
    [
      ...RUN_FIELD_PARAMS,
      'claimed_payload',
      'now',
      ...(filters.taskId ? (['task_id'] as const) : filters.profile ? (['profile_filter'] as const) : []),
      ...(filters.board ? (['board'] as const) : []),
    ],
    offset,
  );
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
 * Parameters are claimParamList's, numbered after `offset`, so the CTEs can follow another
 * statement's own (the fused completion); `gate`, when given, is a condition the candidate must also meet.
 */
export function claimCtes(filters: ClaimFilters, offset: number, gate?: string): string {
  const { $ } = claimParamList(filters, offset);
  const clauses = ["status = 'ready'"];
  // The filters' placeholders exist only for the filters in use (claimParamList).
  if (filters.taskId) clauses.push(`id = ${$.task_id}`);
  // A worker without a profile only takes tasks nobody assigned to a profile.
  else clauses.push(filters.profile ? `assignee = ${$.profile_filter}` : 'assignee IS NULL');
  if (filters.board) clauses.push(`board = ${$.board}`);
  if (gate) clauses.push(gate);
  return `candidate AS (
      SELECT seq FROM tasks WHERE ${clauses.join(' AND ')}
      ORDER BY priority DESC, created_at, seq
      LIMIT 1 FOR UPDATE SKIP LOCKED
    ), new_run AS (
      ${insertRunSql($, $.claim_token)}
      FROM candidate c JOIN tasks t ON t.seq = c.seq
      RETURNING *
    ), claimed AS (
      UPDATE tasks t SET status = 'running', attempts = t.attempts + 1, current_run_id = nr.id, updated_at = ${$.started_at}
      FROM new_run nr WHERE t.id = nr.task_id
      RETURNING ${TASK_COLUMNS}
    ), claim_pending AS (
      SELECT nr.board, nr.task_id, nr.id AS run_id, 'claimed'::text AS kind,
        ${$.claimed_payload}::jsonb || jsonb_build_object('attempt', c.attempts) AS payload
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
    ), ${insertEventsSql(claimParamList(filters, 0).$.now)}
    SELECT row_to_json(nr) AS run, row_to_json(c) AS task,
      (SELECT json_agg(inserted) FROM inserted) AS events
    FROM new_run nr JOIN claimed c ON c.id = nr.task_id`;
  statements.set(key, sql);
  return sql;
}

/** A new run's fields as the values of RUN_FIELD_PARAMS, with `token` in the claim token's place (one token, or the batch statement's array of them). */
export function runFieldValues(fields: Omit<Run, 'id'>, token: unknown): { [K in RunFieldParam]: unknown } {
  return {
    profile: fields.profile,
    worker: fields.worker,
    host: fields.host,
    worker_pid: fields.worker_pid,
    worker_started_at: fields.worker_started_at,
    claim_lock: fields.claim_lock,
    claim_token: token,
    claim_expires: fields.claim_expires,
    lease_ttl_seconds: fields.lease_ttl_seconds,
    last_heartbeat_at: fields.last_heartbeat_at,
    last_progress_at: fields.last_progress_at,
    max_runtime_seconds: fields.max_runtime_seconds,
    started_at: fields.started_at,
    metadata: JSON.stringify(fields.metadata),
    worker_origin: fields.worker_origin,
  };
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
  const values = claimParamList(filters, 0).values({
    ...runFieldValues(fields, fields.claim_token),
    claimed_payload: claimedPayloadJson(fields),
    now,
    task_id: req.task_id,
    profile_filter: req.profile,
    board: req.board,
  });
  return { filters, values };
}

export async function claim(db: Executor, rawReq: ClaimRequest, now: number): Promise<{ claimed: Claimed; events: EventRow[] } | null> {
  const { filters, values } = claimParams(rawReq, now);
  const found = await row<{ run: RunRow; task: TaskRow; events: unknown }>(db, claimSql(filters), values);
  if (!found) return null;
  return { claimed: { task: toTask(found.task), run: toRun(found.run) }, events: eventsFromJson(found.events) };
}
