import { InvalidInputError } from './errors.js';

/**
 * How long event rows are kept. Tasks, runs and comments are never pruned: only the log of changes
 * to them, which grows with every heartbeat that reports progress. The newest event row of all is
 * always kept, so the id a stream resumes from never goes back.
 */
export interface EventRetention {
  /** Events older than this are deleted; null keeps them whatever their age. */
  max_age_days: number | null;
  /** Only the newest this many events of each task are kept; null keeps them all. */
  max_events_per_task: number | null;
}

/** What one pruning pass deletes, as a store applies it. */
export interface PruneRequest {
  /** created_at below this is too old; null: no age limit. */
  older_than: number | null;
  keep_per_task: number | null;
  /**
   * Only tasks with an event newer than this id are held to keep_per_task (0: every task). A task
   * passes its limit only by gaining events, so a pruner that starts each pass where the last one
   * ended (the store answers checked_to_id) reads each event once instead of ranking the whole log.
   */
  tasks_after_id?: number;
  /**
   * The most rows per transaction, so a pass never holds the write lock long; a store sizes its
   * batches below it by how long they take (nextPruneBatch).
   */
  batch_size: number;
}

export const DEFAULT_EVENT_RETENTION: EventRetention = { max_age_days: 30, max_events_per_task: 1000 };
export const DEFAULT_PRUNE_BATCH = 5000;
const MAX_PRUNE_BATCH = 100_000;

export function pruneRequestFor(retention: EventRetention, now: number, tasksAfterId = 0, batchSize = DEFAULT_PRUNE_BATCH): PruneRequest {
  return validatePruneRequest({
    older_than: retention.max_age_days === null ? null : now - retention.max_age_days * 86_400,
    keep_per_task: retention.max_events_per_task,
    tasks_after_id: tasksAfterId,
    batch_size: batchSize,
  });
}

export function validatePruneRequest(request: PruneRequest): PruneRequest {
  if (request.older_than !== null && !Number.isFinite(request.older_than)) throw new InvalidInputError('older_than must be a number or null');
  if (request.keep_per_task !== null && (!Number.isSafeInteger(request.keep_per_task) || request.keep_per_task < 1)) {
    throw new InvalidInputError('keep_per_task must be an integer >= 1 or null');
  }
  if (request.tasks_after_id !== undefined && (!Number.isSafeInteger(request.tasks_after_id) || request.tasks_after_id < 0)) {
    throw new InvalidInputError('tasks_after_id must be an integer >= 0');
  }
  if (!Number.isSafeInteger(request.batch_size) || request.batch_size < 1 || request.batch_size > MAX_PRUNE_BATCH) {
    throw new InvalidInputError(`batch_size must be an integer from 1 to ${MAX_PRUNE_BATCH}`);
  }
  return request;
}

/**
 * How the rows of one pruning batch are sized. On SQLite a batch runs on the event loop, so its
 * cost in time, not in rows, is what must stay small; and that cost per row grows once a batch's
 * dirty pages outgrow SQLite's page cache (docs/ARCHITECTURE.md has the figures).
 */
export const PRUNE_BATCH_TARGET_MS = 4;
const MIN_PRUNE_BATCH = 50;
const FIRST_PRUNE_BATCH = 500;

/** The size of a pass's first batch: small, since nothing is known yet of this store's speed. */
export function firstPruneBatch(maxBatch: number): number {
  return Math.min(maxBatch, FIRST_PRUNE_BATCH);
}

/**
 * The next batch's size after one of `size` rows took `tookMs`: halved when it passed the target,
 * doubled when it took under half of it, never above the request's batch_size nor below 50 rows.
 */
export function nextPruneBatch(size: number, tookMs: number, maxBatch: number): number {
  if (tookMs > PRUNE_BATCH_TARGET_MS) return Math.max(Math.min(MIN_PRUNE_BATCH, maxBatch), Math.floor(size / 2));
  if (tookMs < PRUNE_BATCH_TARGET_MS / 2) return Math.min(maxBatch, size * 2);
  return size;
}
