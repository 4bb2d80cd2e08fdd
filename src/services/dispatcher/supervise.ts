import { ConflictError, LeaseLostError } from '../../core/errors.js';
import { isOverRuntime } from '../../core/lease.js';
import type { Run } from '../../core/types.js';
import type { Clock } from '../../ports/clock.js';
import type { ProcessSignaller, SignalAsk, SignalAudit } from '../../ports/process-inspector.js';
import type { EndRunInput, Store } from '../../ports/store.js';
import { endRunForExit, exitCodeOf } from './exit-outcome.js';
import type { ExitStatus } from './exit-outcome.js';
import { rotateRunLogIfOver } from './run-log.js';
import type { DispatcherEvent } from './types.js';
import { killGroup } from './watched-process.js';
import type { WatchedProcess } from './watched-process.js';

export interface SupervisorDeps {
  store: Store;
  signaller: ProcessSignaller;
  audit: SignalAudit;
  clock: Clock;
  logDir: string;
  logMaxBytes: number;
  terminateGraceSeconds: number;
  /** How long a worker that reported its own outcome may take to exit before it is terminated. */
  lingerGraceSeconds: number;
  emit: (event: DispatcherEvent) => void;
}

/** Why the dispatcher itself kills a worker. */
type StopReason = 'timeout' | 'lease_lost' | 'lingered' | 'shutdown';

const STOP_WHY: Record<StopReason, string> = {
  timeout: 'max runtime exceeded',
  lease_lost: 'lease lost',
  lingered: 'still running after it reported its outcome',
  shutdown: 'dispatcher stopping',
};

/** Outcomes a worker reports itself; gave_up keeps the one it replaced as metadata.cause. */
const SELF_REPORTED = new Set(['completed', 'failed', 'blocked']);

/**
 * Watches one run's worker process: renews the lease while the process lives (liveness, never
 * progress), enforces the runtime limit, rotates the log, and settles the run when the process exits.
 * The run is settled only once the process is gone, so its task is never re-run beside it.
 */
export class RunSupervisor {
  readonly runId: number;
  readonly taskId: string;
  readonly profile: string | null;
  /** Settles once the process is gone and the run closed, or once the supervisor lets go (detach). */
  readonly done: Promise<void>;

  private readonly renewEverySeconds: number;
  private lastRenewAt: number;
  private exitSeen = false;
  private stopping: Promise<void> | null = null;
  /** Set once the worker reported its own outcome: when (epoch seconds) it must have exited by itself. */
  private exitDeadline: number | null = null;
  private busy = false;
  private detached = false;
  private letGo!: () => void;

  constructor(
    private readonly deps: SupervisorDeps,
    private readonly run: Run,
    private readonly proc: WatchedProcess,
  ) {
    this.runId = run.id;
    this.taskId = run.task_id;
    this.profile = run.profile;
    this.renewEverySeconds = run.lease_ttl_seconds / 3;
    // An adopted run's lease may be close to expiry: renew on the first tick.
    this.lastRenewAt = -Infinity;
    const detachedSignal = new Promise<void>((resolve) => (this.letGo = resolve));
    this.done = Promise.race([this.watchExit(), detachedSignal]).catch((err: unknown) => {
      this.deps.emit({ type: 'error', run_id: this.runId, error: describe(err) });
    });
  }

  /** Called on every dispatcher poll; does nothing while the previous tick still runs. */
  async tick(): Promise<void> {
    if (this.busy || this.exitSeen || this.stopping !== null || this.detached) return;
    this.busy = true;
    try {
      this.rotateLog();
      const now = this.deps.clock.now();
      if (this.exitDeadline !== null) {
        if (now >= this.exitDeadline) this.beginStop('lingered');
      } else if (isOverRuntime(this.run, now)) {
        this.beginStop('timeout');
      } else if (now - this.lastRenewAt >= this.renewEverySeconds) {
        await this.renewLease(now);
      }
    } finally {
      this.busy = false;
    }
  }

  /** The run changed elsewhere (ended, stop requested): re-check the lease on the next tick instead of at the next renewal. */
  recheckSoon(): void {
    this.lastRenewAt = -Infinity;
  }

  /** Terminates the worker and requeues its task (a clean server shutdown). */
  shutdown(): Promise<void> {
    if (!this.exitSeen && !this.detached && this.stopping === null) this.beginStop('shutdown');
    return this.done;
  }

  /** Stops watching and leaves the process and its run as they are, for a later dispatcher to adopt. */
  detach(): void {
    this.detached = true;
    this.proc.stopWatching();
    this.letGo();
  }

  private async watchExit(): Promise<void> {
    const status = await this.proc.exited;
    this.exitSeen = true;
    if (this.detached) return;
    // A known status means it was our own child, whose group id nobody else can hold yet.
    if (status.kind !== 'unknown' && killGroup(this.proc.pid)) {
      await this.recordGroupKill('members left behind by the exited worker');
    }
    this.deps.emit({
      type: 'exited',
      run_id: this.runId,
      task_id: this.taskId,
      pid: this.proc.pid,
      code: status.kind === 'exited' ? status.code : null,
      signal: status.kind === 'signalled' ? status.signal : null,
    });
    this.rotateLog();
    if (this.stopping !== null) await this.stopping;
    else await this.settleExit(status);
    await this.revokeRunTokens();
  }

  /** The per-run token dies with its process; whoever ended the run first, the run is over once both are. */
  private async revokeRunTokens(): Promise<void> {
    const run = await this.deps.store.getRun(this.runId);
    if (run !== null && run.ended_at !== null) await this.deps.store.revokeRunTokens(this.runId);
  }

  private async settleExit(status: ExitStatus): Promise<void> {
    const run = await this.deps.store.getRun(this.runId);
    // Ended by its worker's own completion or by the server; or a stop is under way whose caller closes the run.
    if (run === null || run.ended_at !== null || run.stop_requested_at !== null) return;
    await this.endRun(endRunForExit(status));
  }

  private async renewLease(now: number): Promise<void> {
    try {
      await this.deps.store.heartbeat(this.runId, this.run.claim_token);
      this.lastRenewAt = now;
    } catch (err) {
      if (!(err instanceof LeaseLostError)) {
        this.deps.emit({ type: 'error', run_id: this.runId, error: `lease renewal: ${describe(err)}` });
        return;
      }
      const run = await this.deps.store.getRun(this.runId);
      // Whoever requested the stop signals the process and then closes the run; once closed, a process
      // still alive is ours to kill.
      if (run !== null && run.stop_requested_at !== null && run.ended_at === null) return;
      if (run !== null && run.ended_at !== null && run.stop_requested_at === null && reportedItself(run)) {
        // It finished its task and is on its way out; killing it now would cut its cleanup short.
        this.exitDeadline = run.ended_at + this.deps.lingerGraceSeconds;
        return;
      }
      if (!this.exitSeen) this.beginStop('lease_lost');
    }
  }

  private beginStop(reason: StopReason): void {
    this.stopping = this.stop(reason).catch((err: unknown) => {
      this.deps.emit({ type: 'error', run_id: this.runId, error: `stopping (${reason}): ${describe(err)}` });
    });
  }

  private async stop(reason: StopReason): Promise<void> {
    if (reason !== 'lease_lost') {
      // Fence the worker's token first so it cannot complete a run that is being closed under it.
      const why = reason === 'timeout' ? 'max runtime exceeded' : 'dispatcher stopping';
      await ignoreConflict(this.deps.store.requestStop(this.runId, { actor: 'dispatcher', reason: why }));
    }
    this.deps.emit({ type: 'killing', run_id: this.runId, task_id: this.taskId, pid: this.proc.pid, reason });
    if (!this.exitSeen) {
      const result = await this.deps.signaller.terminate(
        this.proc.pid,
        this.proc.startTime,
        this.deps.terminateGraceSeconds,
        this.ask(STOP_WHY[reason]),
      );
      if (!result.terminated && this.proc.killGroupUnchecked()) await this.recordGroupKill(`${STOP_WHY[reason]}; not stopped by terminate`);
    }
    const status = await this.proc.exited;
    if (reason === 'timeout') {
      const limit = this.run.max_runtime_seconds ?? 0;
      await this.endRun({
        outcome: 'timed_out',
        exit_code: exitCodeOf(status),
        error: `exceeded max runtime of ${limit} s`,
        actor: 'dispatcher',
      });
    } else if (reason === 'lease_lost') {
      await this.closeLapsedLease();
    } else if (reason === 'shutdown') {
      await this.endRun({
        outcome: 'terminated',
        then: 'requeue',
        exit_code: exitCodeOf(status),
        error: 'dispatcher stopped',
        actor: 'dispatcher',
      });
    }
  }

  /**
   * A lease that lapsed while nobody renewed it (the server was down longer than the lease) fences the
   * worker off, but the run stays open until reaped: close it now that its process is gone.
   */
  private async closeLapsedLease(): Promise<void> {
    const run = await this.deps.store.getRun(this.runId);
    if (run === null || run.ended_at !== null || run.stop_requested_at !== null) return;
    await this.endRun({ outcome: 'reclaimed', error: 'lease expired', actor: 'dispatcher', reason: 'lease expired' });
  }

  private async endRun(input: EndRunInput): Promise<void> {
    const ended = await ignoreConflict(this.deps.store.endRun(this.runId, input));
    if (ended === undefined) return;
    this.deps.emit({
      type: 'settled',
      run_id: this.runId,
      task_id: this.taskId,
      outcome: ended.run.outcome ?? input.outcome,
      error: ended.run.error,
    });
  }

  private ask(reason: string): SignalAsk {
    return { run_id: this.runId, actor: 'dispatcher', reason };
  }

  /** A SIGKILL to our own child's group, sent without the signaller (see WatchedProcess.killGroupUnchecked). */
  private async recordGroupKill(reason: string): Promise<void> {
    await this.deps.audit.record({ ...this.ask(reason), pid: this.proc.pid, signal: 'SIGKILL', group: true, sent: true, refusal: null });
  }

  private rotateLog(): void {
    try {
      rotateRunLogIfOver(this.deps.logDir, this.runId, this.deps.logMaxBytes);
    } catch (err) {
      this.deps.emit({ type: 'error', run_id: this.runId, error: `log rotation: ${describe(err)}` });
    }
  }
}

function reportedItself(run: Run): boolean {
  const outcome = run.outcome === 'gave_up' ? run.metadata['cause'] : run.outcome;
  return typeof outcome === 'string' && SELF_REPORTED.has(outcome);
}

/** A run closed by someone else meanwhile is not an error here: the other party settled it. */
async function ignoreConflict<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof ConflictError || err instanceof LeaseLostError) return undefined;
    throw err;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
