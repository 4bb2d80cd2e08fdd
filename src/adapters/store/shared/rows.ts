import type { ApiToken, Comment, EventRow, Json, Outcome, Role, Run, Task, TaskStatus, WorkerOrigin } from '../../../core/types.js';

/**
 * Database rows → domain objects, for both store adapters. JSON columns arrive as text from SQLite
 * and already parsed from PostgreSQL jsonb; both are accepted.
 */
export function parseJsonColumn<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'string') return JSON.parse(value) as T;
  return value as T;
}

/** NULL stays NULL (a task without result), anything else is stored as its JSON text. */
export function jsonText(value: Json | null | undefined): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export interface TaskRow {
  id: string;
  board: string;
  title: string;
  body: string;
  assignee: string | null;
  priority: number;
  status: string;
  parents: unknown;
  max_runtime_seconds: number | null;
  max_attempts: number;
  attempts: number;
  created_at: number;
  updated_at: number;
  current_run_id: number | null;
  result: unknown;
}

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    board: row.board,
    title: row.title,
    body: row.body,
    assignee: row.assignee,
    priority: Number(row.priority),
    status: row.status as TaskStatus,
    parents: parseJsonColumn<string[]>(row.parents, []),
    max_runtime_seconds: nullableNumber(row.max_runtime_seconds),
    max_attempts: Number(row.max_attempts),
    attempts: Number(row.attempts),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    current_run_id: nullableNumber(row.current_run_id),
    result: parseJsonColumn<Json | null>(row.result, null),
  };
}

export interface RunRow extends Omit<Run, 'metadata' | 'outcome' | 'worker_origin'> {
  outcome: string | null;
  worker_origin: string | null;
  metadata: unknown;
}

export function toRun(row: RunRow): Run {
  return {
    id: Number(row.id),
    task_id: row.task_id,
    board: row.board,
    profile: row.profile,
    worker: row.worker,
    host: row.host,
    worker_pid: nullableNumber(row.worker_pid),
    worker_started_at: nullableNumber(row.worker_started_at),
    worker_origin: (row.worker_origin ?? null) as WorkerOrigin | null,
    claim_lock: row.claim_lock,
    claim_token: row.claim_token,
    claim_expires: Number(row.claim_expires),
    lease_ttl_seconds: Number(row.lease_ttl_seconds),
    last_heartbeat_at: Number(row.last_heartbeat_at),
    last_progress_at: nullableNumber(row.last_progress_at),
    max_runtime_seconds: nullableNumber(row.max_runtime_seconds),
    started_at: Number(row.started_at),
    ended_at: nullableNumber(row.ended_at),
    outcome: row.outcome as Outcome | null,
    exit_code: nullableNumber(row.exit_code),
    summary: row.summary,
    error: row.error,
    metadata: parseJsonColumn<Record<string, Json>>(row.metadata, {}),
    stop_requested_at: nullableNumber(row.stop_requested_at),
  };
}

export interface EventDbRow extends Omit<EventRow, 'payload'> {
  payload: unknown;
}

export function toEvent(row: EventDbRow): EventRow {
  return {
    id: Number(row.id),
    board: row.board,
    task_id: row.task_id,
    run_id: nullableNumber(row.run_id),
    kind: row.kind,
    payload: parseJsonColumn<Record<string, Json>>(row.payload, {}),
    created_at: Number(row.created_at),
  };
}

export function toComment(row: Comment): Comment {
  return { id: Number(row.id), task_id: row.task_id, author: row.author, body: row.body, created_at: Number(row.created_at) };
}

export interface TokenRow {
  id: string;
  role: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
  run_id: number | null;
}

export function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    role: row.role as Role,
    name: row.name,
    created_at: Number(row.created_at),
    last_used_at: nullableNumber(row.last_used_at),
    run_id: nullableNumber(row.run_id),
  };
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
