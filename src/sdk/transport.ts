import type { Json, Run, Task, WorkerOutcome } from '../core/types.js';

export interface ClaimInput {
  worker: string;
  profile?: string;
  ttlSeconds: number;
  board?: string;
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
  claim(input: ClaimInput): Promise<{ task: Task; run: Run } | null>;
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
