import { setMaxListeners } from 'node:events';
import { startHeartbeat } from '../services/heartbeat-publisher.js';
import { controlSubject } from '../core/subjects.js';
import type { Subscription } from '../ports/bus.js';
import { WorkerStoppedError } from './errors.js';
import { runTask } from './run-task.js';
import type { ClaimedAt, RunTaskResult } from './run-task.js';
import type { ClaimInput, ClaimWait } from './transport.js';
import { Backoff, WakeableSleep } from './polling.js';
import type { Worker, WorkerOptions, WorkerStats } from './worker-types.js';

const DEFAULT_TTL_SECONDS = 30;
const DEFAULT_HEALTH_SECONDS = 10;
const DEFAULT_STOP_GRACE_SECONDS = 10;
const DEFAULT_WAIT_SECONDS = 20;
const MIN_WAITED_MS = 100;

/** Starts a worker at once: `concurrency` slots each claim a task, run the handler and report, until stopped. */
export function createWorker(opts: WorkerOptions): Worker {
  return new WorkerLoop(opts).start();
}

class WorkerLoop {
  private readonly stats: WorkerStats = { claimed: 0, completed: 0, failed: 0, blocked: 0, lost: 0, abandoned: 0, in_flight: 0 };
  private readonly inFlight = new Set<AbortController>();
  private readonly sleeper = new WakeableSleep();
  /** Aborts the claims that are waiting for a task when the worker stops. */
  private readonly stopped = new AbortController();
  private readonly waitSeconds: number | null;
  private readonly ttlSeconds: number;
  private readonly heartbeatSeconds: number;
  private readonly onError: (error: unknown, where: string) => void;
  private stopping = false;
  private finished = false;
  private graceTimer: NodeJS.Timeout | null = null;
  private started = 0;
  private readonly cleanups: (() => void)[] = [];

  constructor(private readonly opts: WorkerOptions) {
    this.ttlSeconds = positive(opts.ttlSeconds ?? DEFAULT_TTL_SECONDS, 'ttlSeconds');
    this.heartbeatSeconds = positive(opts.heartbeatSeconds ?? this.ttlSeconds / 3, 'heartbeatSeconds');
    this.onError = opts.onError ?? warnOncePerMessage(opts.name);
    const waitSeconds = opts.waitSeconds ?? DEFAULT_WAIT_SECONDS;
    this.waitSeconds = waitSeconds === false ? null : positive(waitSeconds, 'waitSeconds');
  }

  start(): Worker {
    const concurrency = Math.max(1, Math.floor(this.opts.concurrency ?? 1));
    // Every waiting slot listens on the one stop signal (and removes its listener after): not a leak.
    setMaxListeners(concurrency + 10, this.stopped.signal);
    this.listenForStops();
    const slots = Array.from({ length: concurrency }, () => this.slot());
    const done = Promise.all(slots).then(() => this.finish());
    return {
      name: this.opts.name,
      stop: (stopOpts) => this.stop(stopOpts?.graceSeconds).then(() => done),
      done,
      stats: () => ({ ...this.stats, in_flight: this.inFlight.size }),
    };
  }

  private async stop(graceSeconds = this.opts.stopGraceSeconds ?? DEFAULT_STOP_GRACE_SECONDS): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.sleeper.wake();
      this.stopped.abort();
    }
    if (this.finished) return;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    // An infinite grace lets every handler finish on its own.
    if (!Number.isFinite(graceSeconds)) return;
    // Not unref'd: a handler waiting only on its signal holds nothing else that keeps the process alive.
    this.graceTimer = setTimeout(() => this.abortInFlight(), Math.max(0, graceSeconds) * 1000);
  }

  private abortInFlight(): void {
    for (const controller of this.inFlight) {
      if (!controller.signal.aborted) controller.abort(new WorkerStoppedError(this.opts.name));
    }
  }

  private async slot(): Promise<void> {
    const pollMs = positive(this.opts.pollSeconds ?? 1, 'pollSeconds') * 1000;
    const backoff = new Backoff(pollMs, Math.max(pollMs, (this.opts.maxPollSeconds ?? 5) * 1000));
    // A task claimed together with the previous completion, run next even if stop() came meanwhile
    // (like a task claimed just as stop() was called).
    let claimed: ClaimedAt | null = null;
    // That fused claim found nothing ready: wait like after an empty claim before asking again
    // (a claim that can wait does its waiting itself).
    let idle = false;
    for (;;) {
      if (!claimed) {
        if (this.stopping) break;
        const wait = this.claimWait();
        if (idle) {
          idle = false;
          if (!wait) {
            await this.sleeper.sleep(backoff.next());
            continue;
          }
        }
        if (!this.reserveTask()) break;
        let failed = false;
        const askedAt = performance.now();
        try {
          const answer = await this.opts.transport.claim(this.claimInput(), wait ?? undefined);
          claimed = answer && { ...answer, askedAt };
        } catch (err) {
          // A waiting claim cut short by stop() is no trouble.
          if (!this.stopping) this.onError(err, 'claim');
          claimed = null;
          failed = true;
        }
        if (!claimed) {
          this.started--;
          if (this.stopping) continue;
          // It waited (and still can): claim again at once. Errors, polls, and a "wait" that did not
          // (a server closing) back off.
          const waited = performance.now() - askedAt >= MIN_WAITED_MS;
          if (wait && waited && !failed && this.opts.transport.canWait?.()) continue;
          await this.sleeper.sleep(backoff.next());
          continue;
        }
      }
      backoff.reset();
      this.stats.claimed++;
      const result = await this.handle(claimed);
      // A reservation made for the fused claim that brought nothing back is given back.
      if (result.askedNext && !result.next) this.started--;
      claimed = result.next;
      idle = result.nothingReady;
    }
  }

  /** How an idle claim waits for work, or null when this transport (or server) cannot: then the slot polls. */
  private claimWait(): ClaimWait | null {
    if (this.waitSeconds === null || !this.opts.transport.canWait?.()) return null;
    return { seconds: this.waitSeconds, signal: this.stopped.signal };
  }

  /** Counts one more task toward maxTasks; false once it is reached. */
  private reserveTask(): boolean {
    if (this.opts.maxTasks !== undefined && this.started >= this.opts.maxTasks) return false;
    this.started++;
    return true;
  }

  private claimInput(): ClaimInput {
    return {
      worker: this.opts.name,
      ttlSeconds: this.ttlSeconds,
      ...(this.opts.profile === undefined ? {} : { profile: this.opts.profile }),
      ...(this.opts.board === undefined ? {} : { board: this.opts.board }),
    };
  }

  /** The claim to send with a completion: steady state is one round trip and one commit per task. */
  private claimWithCompletion(): ClaimInput | null {
    if (this.stopping || !this.reserveTask()) return null;
    return this.claimInput();
  }

  private async handle({ task, run, askedAt }: ClaimedAt): Promise<RunTaskResult> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    // A task claimed just as stop() was called still gets the grace, then the abort.
    try {
      const result = await runTask({
        task,
        run,
        askedAt,
        handler: this.opts.handler,
        transport: this.opts.transport,
        heartbeatSeconds: this.heartbeatSeconds,
        controller,
        onError: this.onError,
        claimNext: () => this.claimWithCompletion(),
      });
      this.stats[result.verdict]++;
      return result;
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private listenForStops(): void {
    const { bus, name, transport } = this.opts;
    const healthSeconds = this.opts.healthSeconds ?? DEFAULT_HEALTH_SECONDS;
    const requestStop = () => void this.stop();
    if (bus) {
      const subscription: Subscription<{ action?: unknown }> = bus.subscribe(controlSubject(name));
      void (async () => {
        for await (const message of subscription) if (message.data?.action === 'stop') requestStop();
      })();
      this.cleanups.push(() => subscription.close());
    }
    if (healthSeconds !== false) {
      const health = bus
        ? startHeartbeat({ bus, name, intervalSeconds: healthSeconds })
        : transport.startHealth?.({
            name,
            intervalSeconds: healthSeconds,
            followServerInterval: this.opts.healthSeconds === undefined,
            onStop: requestStop,
            onError: (err) => this.onError(err, 'health'),
          });
      if (health) this.cleanups.push(() => health.stop());
    }
    if (this.opts.handleSignals ?? true) this.handleSignals();
  }

  private handleSignals(): void {
    let received = 0;
    const onSignal = () => {
      received++;
      // A second signal means "now": the handlers are aborted without waiting out the grace.
      if (received > 1) this.abortInFlight();
      else void this.stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    this.cleanups.push(() => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
  }

  private finish(): void {
    this.finished = true;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function warnOncePerMessage(name: string): (error: unknown, where: string) => void {
  let last = '';
  return (error, where) => {
    const message = `pulseboard worker ${name}: ${where}: ${error instanceof Error ? error.message : String(error)}`;
    if (message === last) return;
    last = message;
    console.warn(message);
  };
}
