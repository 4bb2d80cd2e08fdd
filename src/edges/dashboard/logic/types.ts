/** Shapes of the API answers the page reads (DESIGN.md's contract; types only, erased at build). */
export type { ActiveRun, ActiveRunState, Comment, EventRow, Run, Task, TaskStatus } from '../../../core/types.js';
export type { RegistryRow, RegistryStatus } from '../../../core/registry-status.js';
import type { ActiveRunState } from '../../../core/types.js';

export type Role = 'viewer' | 'operator' | 'admin';

export interface Session {
  role: Role;
  name: string;
  heartbeat_interval_seconds: number;
  progress_timeout_seconds: number;
}

/** A run's state as the page shows it: a dispatched run without a pid yet is starting, not healthy. */
export type ShownState = ActiveRunState | 'starting';

/** One answer of the inspect routes. */
export type Inspection =
  | {
      run_id: number;
      alive: true;
      pid: number;
      host?: string;
      cpu_percent: number;
      memory_rss_bytes: number;
      memory_vms_bytes: number;
      num_threads: number;
      num_fds: number | null;
      status: string;
      create_time: number;
      cmdline?: string[];
    }
  | { run_id: number; alive: false; reason: string };

export interface StopAnswer {
  ok: true;
  run_id: number;
  task_id: string;
  terminated: boolean;
  signal: 'SIGTERM' | 'SIGKILL' | null;
  stopped_by?: 'signal' | 'fence';
}

export interface StatsAnswer {
  bucket_seconds: number;
  buckets: { t: number; completed: number; failed: number; live: number }[];
  generated_at: number;
}
