/**
 * Counts failures per key (a client address) in fixed windows: once a key has failed `max` times in
 * a window it is blocked until that window ends. Holds at most `maxKeys` keys, so a flood of
 * addresses cannot grow it without bound; the oldest windows go first.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(
    readonly max: number,
    readonly windowSeconds: number,
    private readonly maxKeys = 10_000,
  ) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('max must be an integer >= 1');
    if (!(windowSeconds > 0)) throw new RangeError('windowSeconds must be > 0');
  }

  /** Seconds until the key may try again, or null when it is not blocked. */
  blockedFor(key: string, now: number): number | null {
    const window = this.windows.get(key);
    if (!window) return null;
    const ends = window.start + this.windowSeconds;
    if (now >= ends) {
      this.windows.delete(key);
      return null;
    }
    return window.failures >= this.max ? ends - now : null;
  }

  record(key: string, now: number): void {
    const window = this.windows.get(key);
    if (window && now < window.start + this.windowSeconds) {
      window.failures++;
      return;
    }
    this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) this.evict(now);
    this.windows.set(key, { start: now, failures: 1 });
  }

  private evict(now: number): void {
    for (const [key, window] of this.windows) {
      if (now >= window.start + this.windowSeconds) this.windows.delete(key);
    }
    // Insertion order is window start order: the first keys are the oldest.
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
