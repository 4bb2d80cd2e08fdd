import { InvalidInputError } from './errors.js';
import type { Outcome } from './types.js';

/** What a store counts per bucket of run starts and ends since an instant. */
export interface RunActivityCounts {
  /** Runs live at `since`: started before it and not ended before it; null when not asked for (`live: false`). */
  live_at_since: number | null;
  started: { bucket: number; count: number }[];
  ended: { bucket: number; outcome: Outcome; count: number }[];
}

export interface ActivityBucket {
  /** Start of the bucket, epoch seconds. */
  t: number;
  completed: number;
  failed: number;
  /** Runs live at the end of the bucket (or now, for the current one). */
  live: number;
}

/** Outcomes the overview counts as failures: the task did not get done by this run and it was not a person's choice. */
const FAILED_OUTCOMES = new Set<Outcome>(['failed', 'crashed', 'timed_out', 'spawn_failed', 'gave_up']);

export const MAX_ACTIVITY_BUCKETS = 24 * 60;

/** Per-bucket completions, failures and live runs, from the counts of starts and ends. */
export function activitySeries(counts: RunActivityCounts & { live_at_since: number }, since: number, bucketSeconds: number, buckets: number): ActivityBucket[] {
  const series: ActivityBucket[] = Array.from({ length: buckets }, (_, i) => ({ t: since + i * bucketSeconds, completed: 0, failed: 0, live: 0 }));
  const started = new Array<number>(buckets).fill(0);
  const ended = new Array<number>(buckets).fill(0);
  for (const s of counts.started) if (s.bucket >= 0 && s.bucket < buckets) started[s.bucket] = (started[s.bucket] as number) + s.count;
  for (const e of counts.ended) {
    if (e.bucket < 0 || e.bucket >= buckets) continue;
    const bucket = series[e.bucket] as ActivityBucket;
    ended[e.bucket] = (ended[e.bucket] as number) + e.count;
    if (e.outcome === 'completed') bucket.completed += e.count;
    else if (FAILED_OUTCOMES.has(e.outcome)) bucket.failed += e.count;
  }
  let live = counts.live_at_since;
  for (let i = 0; i < buckets; i++) {
    live += (started[i] as number) - (ended[i] as number);
    (series[i] as ActivityBucket).live = Math.max(0, live);
  }
  return series;
}

/** What a store's activity read counts: runs started and ended from `since` on, before `until` when given. */
export interface RunActivityInput {
  since: number;
  until?: number;
  bucket_seconds: number;
  /**
   * Count the runs live at `since` (default true). Those are the runs that ended after it too, so the
   * count reads every run ended since: a read of one past bucket leaves it out.
   */
  live?: boolean;
}

/** Bounds of a store's activity read: finite instants in order and a bucket of at least a second. */
export function checkActivityInput(input: RunActivityInput): void {
  if (!Number.isFinite(input.since)) throw new InvalidInputError('since must be a finite number of epoch seconds');
  if (input.until !== undefined && !(Number.isFinite(input.until) && input.until > input.since)) {
    throw new InvalidInputError('until must be a finite number of epoch seconds after since');
  }
  if (!Number.isFinite(input.bucket_seconds) || input.bucket_seconds < 1) throw new InvalidInputError('bucket_seconds must be at least 1');
}
