import { setTimeout as sleep } from 'node:timers/promises';
import { claimNeedsConfirming } from '../core/claim-freshness.js';
import { LeaseLostError } from '../core/errors.js';
import type { Json, Run, Task } from '../core/types.js';
import { BlockedError } from './errors.js';
import type { ClaimInput, CompleteReport, WorkerTransport } from './transport.js';
import type { TaskHandler } from './worker-types.js';

/**
 * `lost`: the run was no longer ours (reclaimed, terminated, timed out). `abandoned`: the worker
 * stopped the handler (stop grace over, SIGTERM) while it still held the lease; nothing is reported,
 * and the run is left to the server, which requeues it once the lease lapses.
 */
export type RunVerdict = 'completed' | 'failed' | 'blocked' | 'lost' | 'abandoned';

export interface RunTaskOptions {
  task: Task;
  run: Run;
  /** performance.now() when the claim that brought this run left the worker. */
  askedAt: number;
  handler: TaskHandler;
  transport: WorkerTransport;
  heartbeatSeconds: number;
  controller: AbortController;
  onError: (error: unknown, where: string) => void;
  /**
   * Asked once the handler is done and the lease still held: the claim to make with the completion
   * (the transport's completeAndClaim), or null to complete alone.
   */
  claimNext?: () => ClaimInput | null;
}

export interface RunTaskResult {
  verdict: RunVerdict;
  /** True when claimNext gave a claim to send with the completion. */
  askedNext: boolean;
  /** The task claimed with the completion; null when none was ready, none was asked for, or the call failed. */
  next: ClaimedAt | null;
  /** The claim went through and found no ready task: the worker waits before asking again. */
  nothingReady: boolean;
}

type Claimed = { task: Task; run: Run };
/** A claimed run with the instant (performance.now()) its claim request left. */
export type ClaimedAt = Claimed & { askedAt: number };

const COMPLETE_RETRY_DELAYS_MS = [500, 1000, 2000, 4000];
/** Beats tried to confirm an old claim before the run is left to the server (its lease then lapses). */
const CONFIRM_RETRY_DELAYS_MS = [200, 500, 1000];

/** Runs one claimed task: heartbeats while the handler works, then reports its outcome. */
export async function runTask(opts: RunTaskOptions): Promise<RunTaskResult> {
  const { run, transport, controller } = opts;
  const confirmed = await confirmClaim(opts);
  if (confirmed !== 'held') return { verdict: confirmed, askedNext: false, next: null, nothingReady: false };
  const beats = new LeaseKeeper(opts);
  const report = await callHandler(opts, (value, note) => beats.report(value, note));
  await beats.stop();
  // Once the slot's signal fired, whatever the handler returned or threw is no outcome: a handler
  // that returns through `if (signal.aborted) return;` has not done its task.
  if (beats.lost || controller.signal.aborted) {
    const verdict = beats.lost || controller.signal.reason instanceof LeaseLostError ? 'lost' : 'abandoned';
    return { verdict, askedNext: false, next: null, nothingReady: false };
  }
  const nextInput = transport.completeAndClaim ? (opts.claimNext?.() ?? null) : null;
  const delivered = await deliver(transport, run, report, opts.onError, nextInput);
  const verdict = delivered.ok ? report.outcome : lostAfter(controller, run);
  return { verdict, askedNext: nextInput !== null, next: delivered.next, nothingReady: delivered.claimed && !delivered.next };
}

/**
 * 'held' once the lease is known to be this worker's: at once for a claim answered within half its
 * lease, else after a beat that itself came back within half the lease (core/claim-freshness). A run
 * the server no longer gives this worker is 'lost' without its handler ever starting. A beat that
 * failed confirms nothing, however soon it failed: a worker waking while the server restarts must
 * not take the refused connection for a held lease.
 */
async function confirmClaim(opts: RunTaskOptions): Promise<'held' | 'lost' | 'abandoned'> {
  const { run, controller } = opts;
  if (!claimNeedsConfirming(performance.now() - opts.askedAt, run.lease_ttl_seconds)) return 'held';
  for (let attempt = 0; ; attempt++) {
    if (controller.signal.aborted) return controller.signal.reason instanceof LeaseLostError ? 'lost' : 'abandoned';
    const sentAt = performance.now();
    try {
      await opts.transport.heartbeat(run);
      if (!claimNeedsConfirming(performance.now() - sentAt, run.lease_ttl_seconds)) return 'held';
    } catch (err) {
      if (err instanceof LeaseLostError) {
        controller.abort(err);
        return 'lost';
      }
      opts.onError(err, `confirm run ${run.id}`);
    }
    const delay = CONFIRM_RETRY_DELAYS_MS[attempt];
    if (delay === undefined) return 'abandoned';
    await sleep(delay);
  }
}

function lostAfter(controller: AbortController, run: Run): RunVerdict {
  if (!controller.signal.aborted) controller.abort(new LeaseLostError(run.id, 'completion refused'));
  return 'lost';
}

async function callHandler(
  opts: RunTaskOptions,
  progress: (value: Json, note?: string) => void,
): Promise<CompleteReport> {
  const { claim_token: claimToken, ...publicRun } = opts.run;
  try {
    const result = await opts.handler(opts.task, {
      signal: opts.controller.signal,
      run: publicRun,
      claimToken,
      progress: (value?: Json, note?: string) => progress(value ?? true, note),
    });
    return result === undefined ? { outcome: 'completed' } : { outcome: 'completed', result };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { outcome: err instanceof BlockedError ? 'blocked' : 'failed', error: message };
  }
}

/**
 * ok once reported; false when the run was no longer ours. Transient failures are retried a few
 * times. Only the first attempt carries the claim of the next task: a retry may follow an attempt
 * that did commit (its answer lost), and then only its completion's 409 should come back, not a
 * second claimed task; the task that first attempt claimed returns to the queue when its lease lapses.
 */
async function deliver(
  transport: WorkerTransport,
  run: Run,
  report: CompleteReport,
  onError: (error: unknown, where: string) => void,
  nextInput: ClaimInput | null,
): Promise<{ ok: boolean; claimed: boolean; next: ClaimedAt | null }> {
  for (let attempt = 0; ; attempt++) {
    try {
      if (attempt === 0 && nextInput && transport.completeAndClaim) {
        const askedAt = performance.now();
        const next = await transport.completeAndClaim(run, report, nextInput);
        return { ok: true, claimed: true, next: next && { ...next, askedAt } };
      }
      await transport.complete(run, report);
      return { ok: true, claimed: false, next: null };
    } catch (err) {
      if (err instanceof LeaseLostError) return { ok: false, claimed: false, next: null };
      const delay = COMPLETE_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        onError(err, `complete run ${run.id}`);
        return { ok: false, claimed: false, next: null };
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Progress reaches the server this soon after it is reported, and at most this often. */
const PROGRESS_MIN_INTERVAL_MS = 1000;

/**
 * Renews the lease on a timer, and sends reported progress within a second (throttled to one beat a
 * second, however often the handler reports); aborts the run when the lease is lost.
 */
class LeaseKeeper {
  lost = false;
  private pending: { value: Json; note?: string } | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private progressTimer: NodeJS.Timeout | null = null;
  private lastBeatAt = 0;
  private stopped = false;

  constructor(private readonly opts: RunTaskOptions) {
    this.timer = setInterval(() => this.beatNow(), opts.heartbeatSeconds * 1000);
  }

  report(value: Json, note?: string): void {
    this.pending = note === undefined ? { value } : { value, note };
    this.scheduleProgress();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.progressTimer) clearTimeout(this.progressTimer);
    await this.inFlight;
  }

  private scheduleProgress(): void {
    if (this.progressTimer || this.stopped || this.lost) return;
    const wait = Math.max(0, this.lastBeatAt + PROGRESS_MIN_INTERVAL_MS - Date.now());
    this.progressTimer = setTimeout(() => {
      this.progressTimer = null;
      this.beatNow();
    }, wait);
  }

  private beatNow(): void {
    if (this.inFlight || this.stopped) return;
    this.inFlight = this.beat().finally(() => {
      this.inFlight = null;
      // Progress reported while that beat was on its way goes in the next one.
      if (this.pending) this.scheduleProgress();
    });
  }

  private async beat(): Promise<void> {
    const progress = this.pending;
    this.pending = null;
    this.lastBeatAt = Date.now();
    try {
      await this.opts.transport.heartbeat(this.opts.run, progress ?? undefined);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.lost = true;
        clearInterval(this.timer);
        this.opts.controller.abort(err);
        return;
      }
      // Keep the unsent progress for the next beat unless newer progress came meanwhile.
      this.pending ??= progress;
      this.opts.onError(err, `heartbeat run ${this.opts.run.id}`);
    }
  }
}
