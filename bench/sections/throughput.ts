import type { BenchSystem, JobPayload } from '../systems/types.js';
import { median, nowMs, sleep } from '../stats.js';

export interface ThroughputOptions {
  tasks: number;
  concurrencies: readonly number[];
  runs: number;
  /** A run that has not finished after this long is stopped and reported as capped. */
  capSeconds: number;
}

export interface ThroughputRun {
  tasks_per_s: number;
  enqueue_s: number;
  done: number;
  duplicates: number;
  capped: boolean;
}

export interface ThroughputAtK {
  concurrency: number;
  tasks_per_s: number;
  enqueue_s: number;
  enqueue_per_s: number;
  capped: boolean;
  runs: ThroughputRun[];
}

/** Median of `runs` timed runs per concurrency, after one untimed warm-up run of up to 1,000 tasks. */
export async function measureThroughput(system: BenchSystem, opts: ThroughputOptions): Promise<ThroughputAtK[]> {
  const results: ThroughputAtK[] = [];
  for (const k of opts.concurrencies) {
    await timedRun(system, Math.min(opts.tasks, 1000), k, opts.capSeconds);
    const runs: ThroughputRun[] = [];
    for (let i = 0; i < opts.runs; i++) runs.push(await timedRun(system, opts.tasks, k, opts.capSeconds));
    const enqueue_s = median(runs.map((r) => r.enqueue_s));
    results.push({
      concurrency: k,
      tasks_per_s: median(runs.map((r) => r.tasks_per_s)),
      enqueue_s,
      enqueue_per_s: opts.tasks / enqueue_s,
      capped: runs.some((r) => r.capped),
      runs,
    });
  }
  return results;
}

/**
 * Enqueues everything with no worker running, then starts K workers: the clock runs from the end of the
 * enqueue (worker start-up included) until every task was handled and the system reports none pending.
 */
async function timedRun(system: BenchSystem, tasks: number, concurrency: number, capSeconds: number): Promise<ThroughputRun> {
  await system.clear();
  const payloads: JobPayload[] = Array.from({ length: tasks }, (_, seq) => ({ seq }));
  const enqueueStart = nowMs();
  await system.enqueueBulk(payloads);
  const start = nowMs();
  const seen = new Uint8Array(tasks);
  let done = 0;
  let duplicates = 0;
  const pool = await system.startWorkers(concurrency, ({ seq }) => {
    if (seen[seq]) duplicates++;
    else {
      seen[seq] = 1;
      done++;
    }
  });
  const deadline = start + capSeconds * 1000;
  let capped = true;
  while (nowMs() < deadline) {
    if (done >= tasks && (await system.pending()) === 0) {
      capped = false;
      break;
    }
    await sleep(done >= tasks ? 10 : 25);
  }
  const elapsed = (nowMs() - start) / 1000;
  await pool.stop();
  return { tasks_per_s: done / elapsed, enqueue_s: (start - enqueueStart) / 1000, done, duplicates, capped };
}
