/**
 * Runs `read` when asked, never two at once and never more often than every `minGapMs`: asks that
 * arrive meanwhile fold into one more read after the current one. So a burst of events costs one
 * request, and a slow server never has requests piling up behind each other.
 */
export function createRefresher(
  read: () => Promise<void>,
  minGapMs: number,
  timers: { setTimeout: (fn: () => void, ms: number) => unknown; now: () => number } = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    now: () => Date.now(),
  },
): { request(): void; readonly reads: number } {
  let running = false;
  let wanted = false;
  let scheduled = false;
  let lastStart = -Infinity;
  let reads = 0;

  function start(): void {
    scheduled = false;
    if (running) return;
    wanted = false;
    running = true;
    lastStart = timers.now();
    reads++;
    read()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (wanted) request();
      });
  }

  function request(): void {
    wanted = true;
    if (running || scheduled) return;
    scheduled = true;
    timers.setTimeout(start, Math.max(0, lastStart + minGapMs - timers.now()));
  }

  return {
    request,
    get reads() {
      return reads;
    },
  };
}
