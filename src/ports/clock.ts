/** Seconds since the Unix epoch, fractional. A port so the core and services can run on a fake clock in tests. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = {
  now: () => Date.now() / 1000,
};

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(private current = 1_700_000_000) {}
  now(): number {
    return this.current;
  }
  advance(seconds: number): void {
    this.current += seconds;
  }
  set(seconds: number): void {
    this.current = seconds;
  }
}
