import { readySignals } from '../core/ready-signals.js';
import type { ReadySignal } from '../core/ready-signals.js';
import type { EventRow } from '../core/types.js';

/** What a waiting claim asks for, as the store's claim request says it. */
export interface ClaimFilter {
  /** undefined: any board. */
  board?: string;
  /** null: only unassigned tasks. */
  profile: string | null;
}

/**
 * Starts delivering committed event rows to `notify`; resolves once every commit from then on will be
 * delivered, with how to stop. Attached only while someone waits.
 */
export type CommitSource = (notify: (events: readonly EventRow[]) => void) => Promise<() => void>;

export interface WaitOptions {
  /** How long an empty claim may be held; 0 claims once and returns. */
  waitMs: number;
  /** Ends the wait early (a client gone, a worker stopping). */
  signal?: AbortSignal;
}

/**
 * Long-poll claims: a claim that finds nothing waits until a commit shows a task that may match became
 * ready, then tries once more. One shared subscription to the commits serves every waiter. A signal
 * wakes one waiter per group of identical filters (each group claims the same tasks), so many idle
 * workers do not all hit the store for one task; a woken waiter that leaves without claiming passes
 * its wake on.
 */
export class ClaimWaiters {
  private readonly waiters = new Set<Waiter>();
  private attachment: Promise<() => void> | null = null;
  private closed = false;

  constructor(private readonly source: CommitSource) {}

  /** Claims in progress or waiting. */
  get count(): number {
    return this.waiters.size;
  }

  /** True while subscribed to the commits (someone waits, or the subscription is being set up). */
  get attached(): boolean {
    return this.attachment !== null;
  }

  /** Claims; when that finds nothing, waits for a ready signal and claims again, until waitMs or the signal ends it. */
  async claim<T>(filter: ClaimFilter, tryClaim: () => Promise<T | null>, opts: WaitOptions): Promise<T | null> {
    // Nobody would receive the task: claiming it would only strand it until its lease ran out.
    if (opts.signal?.aborted) return null;
    if (!(opts.waitMs > 0) || this.closed) return tryClaim();
    const waiter = new Waiter(filter);
    this.waiters.add(waiter);
    const end = () => waiter.end();
    const timer = setTimeout(end, opts.waitMs);
    opts.signal?.addEventListener('abort', end, { once: true });
    try {
      // Subscribed before the first claim: a task made ready after that claim's read is always signalled.
      await this.ensureAttached();
      for (;;) {
        waiter.pending = false;
        const claimed = await tryClaim();
        if (claimed !== null) return claimed;
        if (!(await waiter.sleep())) return null;
      }
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', end);
      this.remove(waiter);
    }
  }

  /** Wakes the waiters a commit may concern. */
  notify(events: readonly EventRow[]): void {
    if (this.waiters.size === 0) return;
    for (const signal of readySignals(events)) this.dispatch(signal);
  }

  /** Ends every wait (each answers "nothing") and waits no more: for a server that is closing. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters) waiter.end();
    this.detach();
  }

  private dispatch(signal: ReadySignal): void {
    const woken = new Set<string>();
    for (const waiter of this.waiters) {
      if (waiter.pending || woken.has(waiter.group) || !matches(waiter.filter, signal)) continue;
      woken.add(waiter.group);
      waiter.wake();
    }
  }

  private remove(waiter: Waiter): void {
    this.waiters.delete(waiter);
    // Woken but gone without using it (ended, or claimed while a second signal came): the group's next waiter takes it.
    if (waiter.pending) {
      for (const other of this.waiters) {
        if (other.group === waiter.group && !other.pending) {
          other.wake();
          break;
        }
      }
    }
    if (this.waiters.size === 0) this.detach();
  }

  private ensureAttached(): Promise<unknown> {
    this.attachment ??= this.source((events) => this.notify(events));
    const attachment = this.attachment;
    return attachment.catch((err: unknown) => {
      if (this.attachment === attachment) this.attachment = null;
      throw err;
    });
  }

  private detach(): void {
    const attachment = this.attachment;
    this.attachment = null;
    void attachment?.then(
      (stop) => stop(),
      () => {},
    );
  }
}

function matches(filter: ClaimFilter, signal: ReadySignal): boolean {
  if (filter.board !== undefined && filter.board !== signal.board) return false;
  return signal.assignee === undefined || signal.assignee === filter.profile;
}

class Waiter {
  /** Woken and not yet claimed since. */
  pending = false;
  private ended = false;
  private resume: (() => void) | null = null;
  readonly group: string;

  constructor(readonly filter: ClaimFilter) {
    this.group = JSON.stringify([filter.board ?? null, filter.profile]);
  }

  wake(): void {
    this.pending = true;
    this.resume?.();
  }

  end(): void {
    this.ended = true;
    this.resume?.();
  }

  /** true when woken, false when the wait ended. */
  async sleep(): Promise<boolean> {
    if (!this.pending && !this.ended) await new Promise<void>((resolve) => (this.resume = resolve));
    this.resume = null;
    return !this.ended;
  }
}
