import type { SignalAsk, SignalRecord } from '../core/events.js';
import type { PolicyRefusal } from '../core/signal-policy.js';

export type { SignalAsk, SignalRecord } from '../core/events.js';

/**
 * Looking at and signalling OS processes by identity, not by bare pid.
 * A pid is recycled by the OS once its process is gone, so every answer here is tied to the
 * process's start time (epoch seconds) as recorded when the run began (`worker_started_at`).
 */

export type ProcessStatus =
  | 'running'
  | 'sleeping'
  | 'disk-sleep'
  | 'stopped'
  | 'tracing-stop'
  | 'zombie'
  | 'dead'
  | 'wake-kill'
  | 'waking'
  | 'parked'
  | 'idle'
  | 'unknown';

export interface ProcessSnapshot {
  pid: number;
  /** Epoch seconds, from the process's start time since boot plus the boot time. */
  create_time: number;
  /** CPU over the sample window; may exceed 100 for a multi-threaded process. */
  cpu_percent: number;
  memory_rss_bytes: number;
  memory_vms_bytes: number;
  num_threads: number;
  /** null when the process belongs to another user and its fd table cannot be read. */
  num_fds: number | null;
  status: ProcessStatus;
  cmdline: string[];
  /** Real uid of the process owner. */
  uid: number;
  /** Set when some fields (fds, cmdline) could not be read; those fields hold null or []. */
  error?: 'access denied';
}

/**
 * One look at a process without waiting: CPU as the seconds it has used since it started, so a caller
 * compares two readings (as top does) instead of sleeping between two.
 */
export interface ProcessReading {
  pid: number;
  create_time: number;
  cpu_seconds: number;
  memory_rss_bytes: number;
  memory_vms_bytes: number;
  num_threads: number;
  /** null when the fd table is not ours to read, or when the caller did not ask (fds: false). */
  num_fds: number | null;
  status: ProcessStatus;
  /** null when the caller did not ask for it (it already knows it: a process's command line stays). */
  cmdline: string[] | null;
}

export type ProcessGoneReason = 'process not found' | 'pid reused by another process';

export type ProcessCheck =
  | { alive: true; create_time: number }
  | { alive: false; reason: ProcessGoneReason };

export interface ProcessInspector {
  /** Start time of pid or null if there is no such process (zombies count as gone). */
  startTime(pid: number): Promise<number | null>;
  /**
   * alive only when the start time matches expected (within the tick precision).
   * A null expected start time means "unknown": the process is reported alive if the pid exists.
   */
  check(pid: number, expectedStartTime: number | null): Promise<ProcessCheck>;
  /**
   * A snapshot of pid, or null when it is gone (zombies included). The snapshot's create_time lets
   * the caller confirm it is still the process it expects.
   */
  inspect(pid: number, opts?: { sampleMs?: number }): Promise<ProcessSnapshot | null>;
  /**
   * A reading of each pid now, in order, null for one that is gone (zombies included). cmdline and
   * fds say whether to read the command line and count the fd table too: the costliest parts of a
   * reading, which a caller reading the same processes every few seconds need not repeat each time.
   */
  readMany(requests: readonly { pid: number; cmdline: boolean; fds: boolean }[]): Promise<(ProcessReading | null)[]>;
}

export type SignalRefusal =
  | ProcessGoneReason
  | PolicyRefusal
  | 'no start time recorded'
  | 'permission denied';

export type SignalResult =
  | { sent: true; target: 'process' | 'group' }
  | { sent: false; reason: SignalRefusal };

export type TerminateResult = {
  terminated: boolean;
  /** The last signal that had to be sent; null when nothing was sent. */
  signal: 'SIGTERM' | 'SIGKILL' | null;
  reason?: string;
};

/** Where signal records go; it must never throw into the signaller (a closed store is logged, not raised). */
export interface SignalAudit {
  record(entry: SignalRecord): Promise<void>;
}

export interface ProcessSignaller {
  /**
   * Signals pid (its process group when it leads one) only if its start time matches and the signal
   * policy (core/signal-policy.ts) allows it, right before kill(2). A null expected start time is
   * refused: without it the pid's identity is unknown. Every signal sent or refused is recorded.
   */
  signal(pid: number, expectedStartTime: number | null, signal: NodeJS.Signals, ask: SignalAsk): Promise<SignalResult>;
  /** SIGTERM, wait up to graceSeconds for exit, then SIGKILL; resolves when gone (or kill impossible). */
  terminate(pid: number, expectedStartTime: number | null, graceSeconds: number, ask: SignalAsk): Promise<TerminateResult>;
}

/** What a claim records about the process that makes it; synchronous because a transport reads it once, before its first claim. */
export interface ProcessIdentity {
  hostName(): string;
  /** Start time (epoch seconds) of pid, or null when it is gone. */
  startTime(pid: number): number | null;
}
