import type { Json, Run, Task, WorkerOutcome } from '../core/types.js';

export interface ClaimInput {
  worker: string;
  profile?: string;
  ttlSeconds: number;
  board?: string;
}

/** Asks a claim that finds nothing to wait for a task (see WorkerTransport.claim). */
export interface ClaimWait {
  seconds: number;
  /** Aborts the wait (the worker is stopping); the claim then resolves null or rejects. */
  signal: AbortSignal;
}

export interface CompleteReport {
  outcome: WorkerOutcome;
  summary?: string;
  result?: Json;
  error?: string;
}

/** What a stop request or a failed health beat told the worker. */
export interface HealthOptions {
  name: string;
  intervalSeconds: number;
  /** Beat at the interval the server names in its answers instead (the registry judges by that one). */
  followServerInterval?: boolean;
  /** Called when the server asks this worker to stop. */
  onStop: () => void;
  onError?: (error: unknown) => void;
}

/**
 * How a worker talks to the board. heartbeat and complete reject with LeaseLostError (core/errors)
 * when the run is no longer this worker's own: the worker must give the task up.
 */
export interface WorkerTransport {
  readonly kind: string;
  /**
   * With `wait`, a transport that canWait() holds an empty claim until a task may be ready (then claims
   * again) and resolves null only once it has waited (up to wait.seconds, or its own shorter fallback
   * interval) or the signal aborted: the worker then claims again at once instead of backing off.
   */
  claim(input: ClaimInput, wait?: ClaimWait): Promise<{ task: Task; run: Run } | null>;
  /** Whether claim honours `wait` now (an older server may not); without it the worker polls with backoff. */
  canWait?(): boolean;
  heartbeat(run: Run, progress?: { value?: Json; note?: string }): Promise<{ claim_expires: number }>;
  complete(run: Run, report: CompleteReport): Promise<void>;
  /**
   * complete, then claim the next task in the same transaction: one round trip and one commit per
   * task in steady state. Rejects like complete (LeaseLostError), and then nothing was claimed.
   */
  completeAndClaim?(run: Run, report: CompleteReport, next: ClaimInput): Promise<{ task: Task; run: Run } | null>;
  /** Publishes the worker's registry health; optional because an embedded store has no registry of its own. */
  startHealth?(opts: HealthOptions): { stop(): void };
}
