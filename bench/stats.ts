/** Small statistics helpers shared by every section. */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile; NaN for an empty sample so a missing figure never looks like zero. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] as number;
}

export interface LatencySummary {
  samples: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

export function summarizeLatencies(samplesMs: readonly number[]): LatencySummary {
  return {
    samples: samplesMs.length,
    p50_ms: percentile(samplesMs, 50),
    p95_ms: percentile(samplesMs, 95),
    p99_ms: percentile(samplesMs, 99),
    max_ms: samplesMs.length === 0 ? Number.NaN : Math.max(...samplesMs),
  };
}

/** Milliseconds on a monotonic clock; comparable only within one process. */
export function nowMs(): number {
  return performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `done` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const deadline = nowMs() + timeoutMs;
  while (nowMs() < deadline) {
    if (await done()) return true;
    await sleep(everyMs);
  }
  return done();
}
