import type { BenchSystem } from '../systems/types.js';
import { nowMs, sleep, summarizeLatencies } from '../stats.js';
import type { LatencySummary } from '../stats.js';

export interface LatencyOptions {
  samples: number;
  concurrency: number;
}

export interface LatencyResult extends LatencySummary {
  lost: number;
}

const SAMPLE_TIMEOUT_MS = 10_000;
/**
 * Pause after the previous task finished: a worker that re-claims at once after completing would
 * otherwise catch the next task on that claim, and the sample would not measure an idle worker.
 */
const IDLE_GAP_MS = 50;

/**
 * graphile-worker's perf latency test, for any system: idle workers, one task at a time, the next only
 * once the previous one finished. Each sample runs from just before the enqueue call to handler start.
 */
export async function measureLatency(system: BenchSystem, opts: LatencyOptions): Promise<LatencyResult> {
  await system.clear();
  let expecting = -1;
  let onStart: ((at: number) => void) | null = null;
  const pool = await system.startWorkers(opts.concurrency, ({ seq }) => {
    // Read the clock first: the sample ends when the handler begins, not when the waiter wakes.
    const at = nowMs();
    if (seq === expecting && onStart) onStart(at);
  });
  try {
    await sleep(1000);
    const samples: number[] = [];
    let lost = 0;
    for (let seq = 0; seq < opts.samples; seq++) {
      expecting = seq;
      const startedAt = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), SAMPLE_TIMEOUT_MS);
        onStart = (at) => {
          clearTimeout(timer);
          resolve(at);
        };
      });
      const enqueuedAt = nowMs();
      await system.enqueueOne({ seq });
      const at = await startedAt;
      if (at === null) lost++;
      else samples.push(at - enqueuedAt);
      // Idle again before the next sample: the previous task is finished, so no worker is mid-loop.
      while ((await system.pending()) > 0) await sleep(1);
      await sleep(IDLE_GAP_MS);
    }
    return { ...summarizeLatencies(samples), lost };
  } finally {
    await pool.stop();
  }
}
