import { describe, expect, it } from 'vitest';
import { firstPruneBatch, nextPruneBatch, PRUNE_BATCH_TARGET_MS, pruneRequestFor } from '../../src/core/event-retention.js';
import { InvalidInputError } from '../../src/core/errors.js';

describe('pruning batch size', () => {
  it('starts small and never above the request', () => {
    expect(firstPruneBatch(5000)).toBe(500);
    expect(firstPruneBatch(3)).toBe(3);
  });

  it('halves a batch that took longer than the target, down to 50 rows', () => {
    expect(nextPruneBatch(4000, PRUNE_BATCH_TARGET_MS * 5, 5000)).toBe(2000);
    expect(nextPruneBatch(60, PRUNE_BATCH_TARGET_MS * 5, 5000)).toBe(50);
    expect(nextPruneBatch(50, 1000, 5000)).toBe(50);
  });

  it('doubles a fast batch up to the request, and keeps one near the target', () => {
    expect(nextPruneBatch(500, 0.1, 5000)).toBe(1000);
    expect(nextPruneBatch(4000, 0.1, 5000)).toBe(5000);
    expect(nextPruneBatch(1000, PRUNE_BATCH_TARGET_MS * 0.75, 5000)).toBe(1000);
  });

  it('a request smaller than the floor is its own floor', () => {
    expect(nextPruneBatch(3, 1000, 3)).toBe(3);
    expect(nextPruneBatch(2, 0.1, 2)).toBe(2);
  });

  it('a request for a pass carries the age cutoff and the start id', () => {
    const request = pruneRequestFor({ max_age_days: 1, max_events_per_task: null }, 200_000, 42);
    expect(request).toMatchObject({ older_than: 200_000 - 86_400, keep_per_task: null, tasks_after_id: 42 });
    expect(() => pruneRequestFor({ max_age_days: null, max_events_per_task: 0 }, 0)).toThrow(InvalidInputError);
  });
});
