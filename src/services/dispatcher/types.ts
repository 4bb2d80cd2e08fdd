import type { Clock } from '../../ports/clock.js';
import type { ProcessInspector, ProcessSignaller, SignalAudit } from '../../ports/process-inspector.js';
import type { Store } from '../../ports/store.js';

/** The part of a configured profile the dispatcher uses (config key `profiles.<name>`). */
export interface DispatchProfile {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  concurrency?: number;
  lease_ttl_seconds?: number;
  max_runtime_seconds?: number | null;
}

export const DEFAULT_PROFILE_CONCURRENCY = 1;
export const DEFAULT_LEASE_TTL_SECONDS = 30;
export const DEFAULT_LOG_MAX_BYTES = 1024 * 1024;
export const DEFAULT_TERMINATE_GRACE_SECONDS = 5;
export const DEFAULT_LINGER_GRACE_SECONDS = 10;
/** Short enough that a crashed child's task is re-run well within a second. */
export const DEFAULT_POLL_MS = 200;

export type DispatcherEvent =
  | { type: 'spawned'; run_id: number; task_id: string; profile: string; pid: number }
  | { type: 'spawn_failed'; run_id: number; task_id: string; profile: string; error: string }
  | { type: 'adopted'; run_id: number; task_id: string; pid: number }
  | { type: 'exited'; run_id: number; task_id: string; pid: number; code: number | null; signal: string | null }
  | { type: 'settled'; run_id: number; task_id: string; outcome: string; error: string | null }
  | { type: 'killing'; run_id: number; task_id: string; pid: number; reason: string }
  | { type: 'error'; run_id: number | null; error: string };

export interface DispatcherOptions {
  store: Store;
  signaller: ProcessSignaller;
  /** Where the signals the dispatcher sends to its own children's groups are written; the signaller writes its own. */
  audit?: SignalAudit;
  inspector: ProcessInspector;
  hostname: string;
  profiles: Record<string, DispatchProfile>;
  maxConcurrentRuns: number;
  /** Base URL children use to reach the API; a function when it is known only once the server listens. */
  apiUrl: string | (() => string);
  clock?: Clock;
  logDir: string;
  logMaxBytes?: number;
  terminateGraceSeconds?: number;
  /** How long a worker that completed its run may keep running before it is terminated. */
  lingerGraceSeconds?: number;
  pollMs?: number;
  onEvent?: (event: DispatcherEvent) => void;
}
