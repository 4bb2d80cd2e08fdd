import { newRunFields, validateClaimRequest } from '../../../core/claim.js';
import { newClaimToken } from '../../../core/ids.js';
import type { EventRow } from '../../../core/types.js';
import type { ClaimRequest, Claimed } from '../../../ports/store.js';
import { toRun, toTask } from '../shared/rows.js';
import type { RunRow, TaskRow } from '../shared/rows.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import { row } from './sql.js';
import type { Executor } from './sql.js';
import { TASK_COLUMNS } from './task-queries.js';

/** $1..$16 are the run's columns and the event payload; the candidate filters follow. */
const FIXED_PARAMS = 16;
const statements = new Map<string, string>();

/**
 * The whole claim is one statement, so one round trip and its own transaction: pick the best ready
 * task with FOR UPDATE SKIP LOCKED (concurrent claimers skip each other's candidates instead of
 * queueing behind them, and a row is never handed out twice), open its run, mark it running, and
 * write the `claimed` event. The run's fields come from the core (newRunFields); the one field that
 * depends on the task row, the task's own runtime limit winning over the claimer's default, is
 * applied here as COALESCE because the task is only known inside the statement.
 */
function claimSql(filters: { profile: boolean; board: boolean; taskId: boolean }): string {
  const key = `${filters.profile}/${filters.board}/${filters.taskId}`;
  const cached = statements.get(key);
  if (cached) return cached;
  const clauses = ["status = 'ready'"];
  let next = FIXED_PARAMS;
  if (filters.taskId) clauses.push(`id = $${++next}`);
  // A worker without a profile only takes tasks nobody assigned to a profile.
  else clauses.push(filters.profile ? `assignee = $${++next}` : 'assignee IS NULL');
  if (filters.board) clauses.push(`board = $${++next}`);
  const sql = `WITH candidate AS (
      SELECT seq FROM tasks WHERE ${clauses.join(' AND ')}
      ORDER BY priority DESC, created_at, seq
      LIMIT 1 FOR UPDATE SKIP LOCKED
    ), new_run AS (
      INSERT INTO runs (task_id, board, profile, worker, host, worker_pid, worker_started_at, claim_lock, claim_token,
        claim_expires, lease_ttl_seconds, last_heartbeat_at, last_progress_at, max_runtime_seconds, started_at, metadata)
      SELECT t.id, t.board, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, COALESCE(t.max_runtime_seconds, $12), $13, $14::jsonb
      FROM candidate c JOIN tasks t ON t.seq = c.seq
      RETURNING *
    ), claimed AS (
      UPDATE tasks t SET status = 'running', attempts = t.attempts + 1, current_run_id = nr.id, updated_at = $13
      FROM new_run nr WHERE t.id = nr.task_id
      RETURNING ${TASK_COLUMNS}
    ), pending AS (
      SELECT nr.board, nr.task_id, nr.id AS run_id, 'claimed'::text AS kind,
        $15::jsonb || jsonb_build_object('attempt', c.attempts, 'claim_expires', nr.claim_expires) AS payload, 1::bigint AS ord
      FROM new_run nr JOIN claimed c ON c.id = nr.task_id
    ), ${insertEventsSql('$16')}
    SELECT to_jsonb(nr) AS run, to_jsonb(c) AS task,
      (SELECT jsonb_agg(inserted) FROM inserted) AS events
    FROM new_run nr JOIN claimed c ON c.id = nr.task_id`;
  statements.set(key, sql);
  return sql;
}

export async function claim(db: Executor, rawReq: ClaimRequest, now: number): Promise<{ claimed: Claimed; events: EventRow[] } | null> {
  const req = validateClaimRequest(rawReq);
  // The task is not known yet: board and id are taken from the row, the runtime limit as described above.
  const fields = newRunFields({ id: '', board: '', max_runtime_seconds: null }, req, newClaimToken(), now);
  const filters = { profile: Boolean(req.profile), board: req.board !== undefined, taskId: req.task_id !== undefined };
  const values: unknown[] = [
    fields.profile,
    fields.worker,
    fields.host,
    fields.worker_pid,
    fields.worker_started_at,
    fields.claim_lock,
    fields.claim_token,
    fields.claim_expires,
    fields.lease_ttl_seconds,
    fields.last_heartbeat_at,
    fields.last_progress_at,
    fields.max_runtime_seconds,
    fields.started_at,
    JSON.stringify(fields.metadata),
    JSON.stringify({ worker: fields.worker, host: fields.host, profile: fields.profile, pid: fields.worker_pid }),
    now,
  ];
  if (filters.taskId) values.push(req.task_id);
  else if (filters.profile) values.push(req.profile);
  if (filters.board) values.push(req.board);
  const found = await row<{ run: RunRow; task: TaskRow; events: unknown }>(db, claimSql(filters), values);
  if (!found) return null;
  return { claimed: { task: toTask(found.task), run: toRun(found.run) }, events: eventsFromJson(found.events) };
}
