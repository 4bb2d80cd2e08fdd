import type { Json, PublicRun, Task } from '../core/types.js';
import type { Bus } from '../ports/bus.js';
import type { WorkerTransport } from './transport.js';

export interface TaskContext {
  /**
   * Aborts when the lease is lost (the run was reclaimed, terminated or timed out: this slot only) or
   * the worker stops and the grace ran out. Once it has fired, nothing the handler returns or throws is
   * reported: the task is not completed (nor failed) by an aborted handler.
   */
  signal: AbortSignal;
  run: PublicRun;
  /** The run's fencing token, for handing to a child process that reports on its own. Keep it secret. */
  claimToken: string;
  /** Marks progress; sent with the next heartbeat. Any value (default true) counts as progress. */
  progress(value?: Json, note?: string): void;
}

/** Returns the task's result (completed); throws to fail it; throws BlockedError to block it. */
export type TaskHandler = (task: Task, ctx: TaskContext) => Promise<Json | void> | Json | void;

export interface WorkerOptions {
  /** The worker's registry name; also recorded on each run. */
  name: string;
  /** Claim only tasks assigned to this profile; without it, only unassigned tasks. */
  profile?: string;
  handler: TaskHandler;
  transport: WorkerTransport;
  /** Tasks handled at once. */
  concurrency?: number;
  /** Lease length asked for at claim; heartbeats renew it. */
  ttlSeconds?: number;
  /** Default ttlSeconds / 3: two beats may be lost before the lease lapses. */
  heartbeatSeconds?: number;
  /**
   * How long an idle slot's claim waits for a task to become ready, when the transport can wait (the
   * store transport; a server that takes wait_seconds): the slot starts a new task as soon as one is
   * ready instead of on its next poll. Default 20; false polls instead.
   */
  waitSeconds?: number | false;
  /** When claims cannot wait: first wait after an empty poll; doubles up to maxPollSeconds while nothing is ready. */
  pollSeconds?: number;
  maxPollSeconds?: number;
  board?: string;
  /**
   * Stop gracefully on SIGTERM/SIGINT: claim nothing more, let running handlers finish within
   * stopGraceSeconds, then abort the rest (a second signal aborts them at once); aborted runs are
   * left to the server, which requeues them when their lease lapses.
   */
  handleSignals?: boolean;
  /** How long stop() lets in-flight handlers finish before it aborts their signals. */
  stopGraceSeconds?: number;
  /** When given: health is published on the bus and `system.<name>.control` stop messages are obeyed. */
  bus?: Bus;
  /** Registry health interval; false publishes none. */
  healthSeconds?: number | false;
  /** Stop after this many tasks were claimed and handled. */
  maxTasks?: number;
  /** Trouble the worker survives (network, server errors); default: a console warning per distinct message. */
  onError?: (error: unknown, where: string) => void;
}

export interface WorkerStats {
  claimed: number;
  completed: number;
  failed: number;
  blocked: number;
  /** Runs whose lease was lost before they could report. */
  lost: number;
  /** Runs whose handler was aborted by stop() (the grace ran out, a second SIGTERM): not reported, left to the server to requeue. */
  abandoned: number;
  in_flight: number;
}

export interface Worker {
  readonly name: string;
  /** Stops claiming, lets in-flight handlers finish within the grace, then aborts them; resolves when all is done. */
  stop(opts?: { graceSeconds?: number }): Promise<void>;
  /** Resolves once the worker has stopped (by stop(), a signal, a control message, or maxTasks). */
  readonly done: Promise<void>;
  stats(): WorkerStats;
}
