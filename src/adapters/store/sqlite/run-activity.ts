import { checkActivityInput } from '../../../core/run-activity.js';
import type { RunActivityCounts, RunActivityInput } from '../../../core/run-activity.js';
import type { Outcome } from '../../../core/types.js';
import type { ReadContext } from './context.js';

// Live at `since`: the runs still live (the partial index runs_active holds only those) plus the runs
// that ended since (runs_ended), each started before it. Written as one OR it was a scan of all runs.
const LIVE_AT_SINCE = `SELECT
  (SELECT COUNT(*) FROM runs INDEXED BY runs_active WHERE ended_at IS NULL AND started_at < @since)
  + (SELECT COUNT(*) FROM runs WHERE ended_at >= @since AND started_at < @since) AS n`;

/** Three aggregate reads of runs over the window's index ranges; the overview asks every few seconds per open page. */
export function runActivity(ctx: ReadContext, input: RunActivityInput): RunActivityCounts {
  checkActivityInput(input);
  const params = { since: input.since, until: input.until ?? Infinity, size: input.bucket_seconds };
  const live = input.live === false ? null : ctx.q.get<{ n: number }>(LIVE_AT_SINCE, { since: input.since });
  const started = ctx.q.all<{ bucket: number; count: number }>(
    'SELECT CAST((started_at - @since) / @size AS INTEGER) AS bucket, COUNT(*) AS count FROM runs WHERE started_at >= @since AND started_at < @until GROUP BY bucket',
    params,
  );
  const ended = ctx.q.all<{ bucket: number; outcome: Outcome; count: number }>(
    'SELECT CAST((ended_at - @since) / @size AS INTEGER) AS bucket, outcome, COUNT(*) AS count FROM runs WHERE ended_at >= @since AND ended_at < @until GROUP BY bucket, outcome',
    params,
  );
  return { live_at_since: live === null ? null : (live?.n ?? 0), started, ended };
}
