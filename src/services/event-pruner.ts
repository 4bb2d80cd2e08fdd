import { pruneRequestFor } from '../core/event-retention.js';
import type { EventRetention } from '../core/event-retention.js';
import type { Clock } from '../ports/clock.js';
import type { Store } from '../ports/store.js';

export interface EventPrunerOptions {
  store: Store;
  clock: Clock;
  retention: EventRetention;
  intervalSeconds: number;
  /** A failed pass is reported and the loop keeps going. */
  onError?: (err: unknown) => void;
}

/**
 * Applies the event retention periodically: one pass at start, then one per interval; passes never
 * overlap. With neither limit set it never runs.
 */
export class EventPruner {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<number> | null = null;
  private running = false;
  /** Every task was held to its limit up to this event id: the next pass starts there. */
  private checkedToId = 0;

  constructor(private readonly opts: EventPrunerOptions) {
    if (!Number.isFinite(opts.intervalSeconds) || opts.intervalSeconds <= 0) throw new RangeError('intervalSeconds must be a number > 0');
  }

  get enabled(): boolean {
    return this.opts.retention.max_age_days !== null || this.opts.retention.max_events_per_task !== null;
  }

  /** One pass; how many event rows it deleted. A call during a pass joins it. */
  runOnce(): Promise<number> {
    this.inFlight ??= this.opts.store
      .pruneEvents(pruneRequestFor(this.opts.retention, this.opts.clock.now(), this.checkedToId))
      .then((result) => {
        this.checkedToId = result.checked_to_id;
        return result.deleted;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  start(): void {
    if (this.running || !this.enabled) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight) await this.inFlight.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runOnce()
        .catch((err: unknown) => (this.opts.onError ?? ((e) => console.error('pulseboard event pruner: pass failed:', e)))(err))
        .finally(() => this.schedule(this.opts.intervalSeconds * 1000));
    }, delayMs);
    this.timer.unref();
  }
}
