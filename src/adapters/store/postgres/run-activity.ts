import { checkActivityInput } from '../../../core/run-activity.js';
import type { RunActivityCounts, RunActivityInput } from '../../../core/run-activity.js';
import type { Outcome } from '../../../core/types.js';
import type { ReadContext } from './context.js';
import { row, rows } from './sql.js';

// Live at `since`: the runs still live plus those that ended since, each started before it (two index
// ranges; written as one OR it was a scan of all runs).
const LIVE_AT_SINCE = `SELECT
  (SELECT COUNT(*) FROM runs WHERE ended_at IS NULL AND started_at < $1)::int
  + (SELECT COUNT(*) FROM runs WHERE ended_at >= $1 AND started_at < $1)::int AS n`;

/** Three aggregate reads of runs over the window's index ranges; the overview asks every few seconds per open page. */
export async function runActivity(ctx: ReadContext, input: RunActivityInput): Promise<RunActivityCounts> {
  checkActivityInput(input);
  const { since, bucket_seconds: size } = input;
  const until = input.until ?? Infinity;
  const [live, started, ended] = await Promise.all([
    input.live === false ? null : row<{ n: number }>(ctx.db, LIVE_AT_SINCE, [since]),
    rows<{ bucket: number; count: number }>(
      ctx.db,
      'SELECT floor((started_at - $1) / $2)::int AS bucket, COUNT(*)::int AS count FROM runs WHERE started_at >= $1 AND started_at < $3 GROUP BY 1',
      [since, size, until],
    ),
    rows<{ bucket: number; outcome: Outcome; count: number }>(
      ctx.db,
      'SELECT floor((ended_at - $1) / $2)::int AS bucket, outcome, COUNT(*)::int AS count FROM runs WHERE ended_at >= $1 AND ended_at < $3 GROUP BY 1, 2',
      [since, size, until],
    ),
  ]);
  return { live_at_since: input.live === false ? null : Number(live?.n ?? 0), started, ended };
}
