/** The public shapes of DESIGN.md. Times are seconds since the Unix epoch (fractional). */

export const TASK_STATUSES = ['triage', 'todo', 'ready', 'running', 'blocked', 'done', 'archived'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const OUTCOMES = [
  'completed',
  'failed',
  'blocked',
  'crashed',
  'timed_out',
  'reclaimed',
  'terminated',
  'spawn_failed',
  'gave_up',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes a worker reports itself through `complete`. */
export type WorkerOutcome = 'completed' | 'failed' | 'blocked';

/** Where an operator sends a task whose run they stop. */
export type StopDestination = 'requeue' | 'block' | 'archive' | 'done';

/**
 * Who put a pid on a run: `spawned` when this server's own code (a dispatcher, here or on another host)
 * started the process for the run, `declared` when a claimant merely named it. Only a spawned process is
 * ever signalled; a declared one is stopped by fencing.
 */
export const WORKER_ORIGINS = ['spawned', 'declared'] as const;
export type WorkerOrigin = (typeof WORKER_ORIGINS)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Task {
  id: string;
  board: string;
  title: string;
  body: string;
  assignee: string | null;
  priority: number;
  status: TaskStatus;
  parents: string[];
  max_runtime_seconds: number | null;
  max_attempts: number;
  /** Claims made since the task was last (re)queued by a person; compared against max_attempts. */
  attempts: number;
  created_at: number;
  updated_at: number;
  current_run_id: number | null;
  result: Json | null;
}

export interface Run {
  id: number;
  task_id: string;
  board: string;
  profile: string | null;
  worker: string;
  host: string;
  worker_pid: number | null;
  worker_started_at: number | null;
  /** null while no pid is recorded. */
  worker_origin: WorkerOrigin | null;
  claim_lock: string;
  /** Secret to the worker: never leaves the server except in the claim answer. */
  claim_token: string;
  claim_expires: number;
  lease_ttl_seconds: number;
  last_heartbeat_at: number;
  last_progress_at: number | null;
  max_runtime_seconds: number | null;
  started_at: number;
  ended_at: number | null;
  outcome: Outcome | null;
  exit_code: number | null;
  summary: string | null;
  error: string | null;
  metadata: Record<string, Json>;
  /** Set when someone asked to stop the run; from then on the worker's token is fenced off. */
  stop_requested_at: number | null;
}

export type PublicRun = Omit<Run, 'claim_token'>;

export interface EventRow {
  id: number;
  board: string;
  task_id: string | null;
  run_id: number | null;
  kind: string;
  payload: Record<string, Json>;
  created_at: number;
}

export interface Comment {
  id: number;
  task_id: string;
  author: string;
  body: string;
  created_at: number;
}

export type ActiveRunState = 'healthy' | 'stuck' | 'lease_expiring' | 'over_runtime';

/** One row of GET /api/workers/active. */
export interface ActiveRun {
  run_id: number;
  task_id: string;
  task_title: string;
  task_status: TaskStatus;
  task_assignee: string | null;
  profile: string | null;
  worker: string;
  host: string;
  worker_pid: number | null;
  worker_started_at: number | null;
  worker_origin: WorkerOrigin | null;
  started_at: number;
  claim_lock: string;
  claim_expires: number;
  last_heartbeat_at: number;
  last_progress_at: number | null;
  max_runtime_seconds: number | null;
  board: string;
  state: ActiveRunState;
}

export type Role = 'viewer' | 'worker' | 'operator' | 'admin';

export interface ApiToken {
  id: string;
  role: Role;
  name: string;
  created_at: number;
  last_used_at: number | null;
  /** Set for the per-run tokens the dispatcher hands its children. */
  run_id: number | null;
}
