import type { ReapResult, Store } from '../ports/store.js';

export interface ReaperOptions {
  store: Store;
  intervalSeconds?: number;
  /** Called after each pass that ended at least one run (e.g. to kill a reclaimed worker's local process). */
  onReaped?: (result: ReapResult) => void | Promise<void>;
  /** A failed pass is reported here and the loop keeps going; default: console.error. */
  onError?: (err: unknown) => void;
}

/**
 * Periodically closes runs whose lease lapsed (reclaimed) or whose max runtime passed (timed_out).
 * Passes never overlap: the next one is scheduled only after the previous one finished.
 */
export class Reaper {
  private readonly store: Store;
  private readonly intervalMs: number;
  private readonly onReaped: ReaperOptions['onReaped'];
  private readonly onError: (err: unknown) => void;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inFlight: Promise<ReapResult> | null = null;

  constructor(options: ReaperOptions) {
    const interval = options.intervalSeconds ?? 1;
    if (!Number.isFinite(interval) || interval <= 0) throw new RangeError('intervalSeconds must be a number > 0');
    this.store = options.store;
    this.intervalMs = interval * 1000;
    this.onReaped = options.onReaped;
    this.onError = options.onError ?? ((err) => console.error('pulseboard reaper: pass failed:', err));
  }

  /** One pass; a call while a pass is in flight joins that pass instead of starting another. */
  runOnce(): Promise<ReapResult> {
    if (!this.inFlight) {
      this.inFlight = this.pass().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the loop and waits for a pass in flight; safe to call more than once. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight) await this.inFlight.catch(() => undefined);
  }

  get isRunning(): boolean {
    return this.running;
  }

  private async pass(): Promise<ReapResult> {
    const result = await this.store.reap();
    if (this.onReaped && (result.reclaimed.length > 0 || result.timed_out.length > 0)) await this.onReaped(result);
    return result;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runOnce()
        .catch((err: unknown) => this.onError(err))
        .finally(() => this.schedule());
    }, this.intervalMs);
    // The reaper alone must not keep a process alive.
    this.timer.unref();
  }
}
