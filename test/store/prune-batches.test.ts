import { describe, expect, it } from 'vitest';
import { pruneInBatches } from '../../src/adapters/store/shared/prune-events.js';
import { PRUNE_BATCH_TARGET_MS } from '../../src/core/event-retention.js';

/** An event log of `rows` too-old rows where a batch above `fastUpTo` rows costs more than the target. */
function slowLog(rows: number, fastUpTo: number) {
  let left = rows;
  const limits: number[] = [];
  return {
    limits,
    left: () => left,
    executor: {
      deleteBatch: (_sql: string, params: unknown[]) => {
        const limit = Number(params[1]);
        limits.push(limit);
        if (limit > fastUpTo) {
          const until = performance.now() + PRUNE_BATCH_TARGET_MS * 2;
          while (performance.now() < until);
        }
        const count = Math.min(left, limit);
        left -= count;
        return Promise.resolve(count);
      },
      lastEventId: () => Promise.resolve(rows + 1),
    },
  };
}

describe('pruneInBatches', () => {
  it('shrinks batches that take too long, grows fast ones, and still deletes every row', async () => {
    const log = slowLog(20_000, 300);
    const result = await pruneInBatches({ older_than: 0, keep_per_task: null, batch_size: 5000 }, (n) => `$${n}`, log.executor);
    expect(result.deleted).toBe(20_000);
    expect(log.left()).toBe(0);
    expect(log.limits[0]).toBe(500);
    expect(log.limits[1]).toBe(250);
    // Once below the slow size, it doubles and halves around it rather than staying large.
    expect(Math.max(...log.limits.slice(1))).toBeLessThanOrEqual(500);
  });

  it('grows up to the request when every batch is fast', async () => {
    const log = slowLog(50_000, Number.POSITIVE_INFINITY);
    await pruneInBatches({ older_than: 0, keep_per_task: null, batch_size: 5000 }, (n) => `$${n}`, log.executor);
    expect(log.limits[0]).toBe(500);
    expect(log.limits).toContain(1000);
    expect(Math.max(...log.limits)).toBe(5000);
    expect(log.left()).toBe(0);
  });
});
