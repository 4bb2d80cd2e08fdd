import { checkActivityInput } from '../../../core/run-activity.js';
import type { RunActivityCounts } from '../../../core/run-activity.js';
import type { Outcome } from '../../../core/types.js';
import type { ReadContext } from './context.js';
import { row, rows } from './sql.js';

/** Three aggregate reads of runs; the overview asks at most every few seconds per open page. */
export async function runActivity(ctx: ReadContext, input: { since: number; bucket_seconds: number }): Promise<RunActivityCounts> {
  checkActivityInput(input);
  const { since, bucket_seconds: size } = input;
  const [live, started, ended] = await Promise.all([
    row<{ n: number }>(ctx.db, 'SELECT COUNT(*)::int AS n FROM runs WHERE started_at < $1 AND (ended_at IS NULL OR ended_at >= $1)', [since]),
    rows<{ bucket: number; count: number }>(
      ctx.db,
      'SELECT floor((started_at - $1) / $2)::int AS bucket, COUNT(*)::int AS count FROM runs WHERE started_at >= $1 GROUP BY 1',
      [since, size],
    ),
    rows<{ bucket: number; outcome: Outcome; count: number }>(
      ctx.db,
      'SELECT floor((ended_at - $1) / $2)::int AS bucket, outcome, COUNT(*)::int AS count FROM runs WHERE ended_at >= $1 GROUP BY 1, 2',
      [since, size],
    ),
  ]);
  return { live_at_since: Number(live?.n ?? 0), started, ended };
}
