import { setImmediate as nextTurn } from 'node:timers/promises';
import { firstPruneBatch, nextPruneBatch } from '../../../core/event-retention.js';
import type { PruneRequest } from '../../../core/event-retention.js';

/**
 * The SQL of one pruning batch, in the dialect both stores speak (placeholders passed in). Each reads
 * only a bounded slice of the log through an index, never the whole table: the log holds millions of
 * rows after a month, and on SQLite a statement holds the event loop while it runs.
 */
const PRUNE_DELETE = {
  /**
   * Among the oldest `limit` rows by id, those created before the cutoff; never the newest row of
   * all, so the id a stream resumes from never goes back. Ids grow with time, so the oldest rows by
   * id are the old ones; a row stamped out of order waits for the rows before it.
   */
  tooOld: (cutoff: string, limit: string) =>
    `DELETE FROM events WHERE id IN (
       SELECT id FROM (SELECT id, created_at FROM events ORDER BY id LIMIT ${limit}) oldest
       WHERE created_at < ${cutoff} AND id < (SELECT MAX(id) FROM events))`,
  /**
   * Of the tasks with an event in the id range (from, to], the rows older than each one's
   * `keep`-th newest (offset = keep - 1), found through events_task (task_id, id).
   */
  beyondPerTask: (from: string, to: string, offset: string, limit: string) =>
    `DELETE FROM events WHERE id IN (
       SELECT e.id FROM (SELECT DISTINCT task_id FROM events WHERE id > ${from} AND id <= ${to} AND task_id IS NOT NULL) t
       JOIN events e ON e.task_id = t.task_id
       WHERE e.id < (SELECT x.id FROM events x WHERE x.task_id = t.task_id ORDER BY x.id DESC LIMIT 1 OFFSET ${offset})
       LIMIT ${limit})`,
} as const;

export interface PruneExecutor {
  /** Runs one DELETE in a transaction of its own (writers interleave between batches); rows deleted. */
  deleteBatch(sql: string, params: unknown[]): Promise<number>;
  /** The newest event id a reader can rely on (Store.lastEventId). */
  lastEventId(): Promise<number>;
}

/**
 * Deletes what the request no longer keeps, batch by batch until a batch comes back short; the
 * per-task limit walks the ids after tasks_after_id in slices as wide as the current batch. checked_to_id: the
 * id up to which every task was held to its limit, where the next pass may start.
 */
export async function pruneInBatches(
  request: PruneRequest,
  placeholder: (position: number) => string,
  store: PruneExecutor,
): Promise<{ deleted: number; checked_to_id: number }> {
  let size = firstPruneBatch(request.batch_size);
  // A synchronous driver (SQLite) runs each batch on the event loop: batches are sized by how long
  // they take, and the turn of the event loop between them lets requests in, so a pass of many
  // batches never holds the server.
  const deleteBatch = async (sql: string, params: unknown[]): Promise<number> => {
    const started = performance.now();
    const count = await store.deleteBatch(sql, params);
    size = nextPruneBatch(size, performance.now() - started, request.batch_size);
    await nextTurn();
    return count;
  };
  const [p1, p2, p3, p4] = [placeholder(1), placeholder(2), placeholder(3), placeholder(4)];
  let deleted = 0;
  if (request.older_than !== null) {
    for (;;) {
      const limit = size;
      const count = await deleteBatch(PRUNE_DELETE.tooOld(p1, p2), [request.older_than, limit]);
      deleted += count;
      if (count < limit) break;
    }
  }
  const top = await store.lastEventId();
  if (request.keep_per_task === null) return { deleted, checked_to_id: top };
  const sql = PRUNE_DELETE.beyondPerTask(p1, p2, p3, p4);
  for (let from = request.tasks_after_id ?? 0; from < top; ) {
    const to = Math.min(top, from + size);
    for (;;) {
      const limit = size;
      const count = await deleteBatch(sql, [from, to, request.keep_per_task - 1, limit]);
      deleted += count;
      if (count < limit) break;
    }
    from = to;
  }
  return { deleted, checked_to_id: top };
}
