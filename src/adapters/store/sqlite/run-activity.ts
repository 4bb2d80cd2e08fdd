import { checkActivityInput } from '../../../core/run-activity.js';
import type { RunActivityCounts } from '../../../core/run-activity.js';
import type { Outcome } from '../../../core/types.js';
import type { ReadContext } from './context.js';

/** Three aggregate reads of runs; the overview asks at most every few seconds per open page. */
export function runActivity(ctx: ReadContext, input: { since: number; bucket_seconds: number }): RunActivityCounts {
  checkActivityInput(input);
  const { since, bucket_seconds: size } = input;
  const live = ctx.q.get<{ n: number }>(
    'SELECT COUNT(*) AS n FROM runs WHERE started_at < ? AND (ended_at IS NULL OR ended_at >= ?)',
    since,
    since,
  );
  const started = ctx.q.all<{ bucket: number; count: number }>(
    'SELECT CAST((started_at - ?) / ? AS INTEGER) AS bucket, COUNT(*) AS count FROM runs WHERE started_at >= ? GROUP BY bucket',
    since,
    size,
    since,
  );
  const ended = ctx.q.all<{ bucket: number; outcome: Outcome; count: number }>(
    'SELECT CAST((ended_at - ?) / ? AS INTEGER) AS bucket, outcome, COUNT(*) AS count FROM runs WHERE ended_at >= ? GROUP BY bucket, outcome',
    since,
    size,
    since,
  );
  return { live_at_since: live?.n ?? 0, started, ended };
}
