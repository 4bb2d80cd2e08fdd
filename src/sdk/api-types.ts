import type {
  ActiveRun,
  Comment,
  EventRow,
  Json,
  PublicRun,
  Role,
  Run,
  StopDestination,
  Task,
  TaskStatus,
  WorkerOrigin,
  WorkerOutcome,
} from '../core/types.js';
import type { NewTask, TaskFilter, TaskPatch } from '../ports/store.js';

/** Request and answer shapes of the HTTP API (DESIGN.md), as the client sees them. */

export interface BoardView {
  columns: { name: TaskStatus; tasks: Task[] }[];
  now: number;
}

/** The wire bodies are the store's inputs minus what only the server decides. */
export type NewTaskBody = Omit<NewTask, 'triage'>;

export type TaskPatchBody = TaskPatch;

export type TaskQuery = Omit<TaskFilter, 'limit'>;

export interface TaskDetail {
  task: Task;
  runs: PublicRun[];
  events: EventRow[];
  comments: Comment[];
}

export interface ClaimBody {
  worker: string;
  profile?: string;
  pid?: number;
  host?: string;
  ttl_seconds?: number;
  board?: string;
}

/** POST /api/claims alone: hold an empty claim up to wait_seconds (0-30) until a task is ready. */
export interface ClaimWaitBody extends ClaimBody {
  wait_seconds?: number;
}

/** The run of a claim answer carries its claim_token, the worker's proof of ownership. */
export interface ClaimAnswer {
  task: Task;
  run: Run;
}

export interface HeartbeatBody {
  claim_token: string;
  progress?: Json;
  note?: string;
}

export interface CompleteBody {
  claim_token: string;
  outcome: WorkerOutcome;
  summary?: string;
  result?: Json;
  error?: string;
  /** Claim the next task in the same transaction (same rules as POST /api/claims). */
  claim_next?: ClaimBody;
}

/** `next` is present when the completion asked for claim_next: the claimed task, or null when none was ready. */
export interface CompleteAnswer {
  run: PublicRun;
  task: Task;
  next?: ClaimAnswer | null;
}

export interface ActiveRunsView {
  workers: ActiveRun[];
  count: number;
  checked_at: number;
}

export type InspectAnswer =
  | {
      run_id: number;
      alive: true;
      pid: number;
      host: string;
      worker_origin: WorkerOrigin | null;
      cpu_percent: number;
      memory_rss_bytes: number;
      memory_vms_bytes: number;
      num_threads: number;
      num_fds: number | null;
      /** When num_fds was counted (epoch seconds): the fd table is counted every 5 to 10 s, the rest on every request. */
      num_fds_read_at?: number;
      status: string;
      create_time: number;
      /** Only for a process the server spawned: a declared pid's command line may hold another program's secrets. */
      cmdline?: string[];
    }
  | { run_id: number; alive: false; reason: string; worker_origin?: WorkerOrigin | null };

export interface TerminateBody {
  reason?: string;
  then?: Exclude<StopDestination, 'done'>;
  grace_seconds?: number;
}

export interface TerminateAnswer {
  ok: true;
  run_id: number;
  task_id: string;
  terminated: boolean;
  signal: string | null;
  /** fence: the pid was not the server's to signal; the stop reaches the worker on its next heartbeat or completion. */
  stopped_by: 'signal' | 'fence';
}

export interface RegistryWorker {
  name: string;
  status: 'ok' | 'stale' | 'unknown';
  last_heartbeat_ts: number | null;
  seconds_since: number | null;
  extra: Record<string, Json>;
  host: string | null;
  pid: number | null;
}

export interface RegistryView {
  workers: RegistryWorker[];
  generated_at: number;
  bus_connected: boolean;
}

export interface HealthAnswer {
  accepted: boolean;
  control: { action: 'stop' } | null;
  /** The server's heartbeat_interval_seconds (absent from servers before it was added). */
  heartbeat_interval_seconds?: number;
}

export interface StopWorkerAnswer {
  accepted: true;
  worker: string;
  action: 'stop';
}

export interface CreatedToken {
  token: string;
  id: string;
  role: Role;
  name: string;
}

export interface RunLogAnswer {
  run_id: number;
  lines: string[];
  truncated: boolean;
}

export interface RecentEventsAnswer {
  events: EventRow[];
  last_event_id: number;
}
