import type { PruneRequest } from '../../../core/event-retention.js';

/**
 * The ids one pruning batch deletes, in the SQL both stores speak (placeholders passed in). Never the
 * newest row of all, so the id a stream resumes from never goes back.
 */
const PRUNE_SELECT = {
  tooOld: (cutoff: string, limit: string) =>
    `SELECT id FROM events WHERE created_at < ${cutoff} AND id < (SELECT MAX(id) FROM events) ORDER BY id LIMIT ${limit}`,
  beyondPerTask: (keep: string, limit: string) =>
    `SELECT id FROM (
       SELECT id, ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY id DESC) AS newer
       FROM events WHERE task_id IS NOT NULL
     ) ranked WHERE newer > ${keep} ORDER BY id LIMIT ${limit}`,
} as const;

/**
 * Deletes what the request no longer keeps, one batch per call of `deleteBatch` (each its own
 * transaction, so writers interleave), until a batch comes back short.
 */
export async function pruneInBatches(
  request: PruneRequest,
  placeholder: (position: number) => string,
  deleteBatch: (sql: string, params: unknown[]) => Promise<number>,
): Promise<number> {
  const passes: { select: string; params: unknown[] }[] = [];
  const [first, second] = [placeholder(1), placeholder(2)];
  if (request.older_than !== null) passes.push({ select: PRUNE_SELECT.tooOld(first, second), params: [request.older_than, request.batch_size] });
  if (request.keep_per_task !== null) {
    passes.push({ select: PRUNE_SELECT.beyondPerTask(first, second), params: [request.keep_per_task, request.batch_size] });
  }
  let deleted = 0;
  for (const pass of passes) {
    for (;;) {
      const count = await deleteBatch(`DELETE FROM events WHERE id IN (${pass.select})`, pass.params);
      deleted += count;
      if (count < request.batch_size) break;
    }
  }
  return deleted;
}
