/**
 * At most `max` holds per key at once (held claims or open event streams per token). A hold is
 * released exactly once, however often its release is called.
 */
export class PerKeyLimit {
  private readonly held = new Map<string, number>();

  constructor(readonly max: number) {
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('max must be an integer >= 1');
  }

  /** A release function, or null when the key already holds `max`. */
  take(key: string): (() => void) | null {
    const count = this.held.get(key) ?? 0;
    if (count >= this.max) return null;
    this.held.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left === 0) this.held.delete(key);
      else this.held.set(key, left);
    };
  }

  count(key: string): number {
    return this.held.get(key) ?? 0;
  }
}
