import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { LeaseLostError } from '../../src/core/errors.js';
import type { Claimed, ClaimRequest, Store } from '../../src/ports/store.js';
import { CompletionBatcher } from '../../src/services/completion-batcher.js';

let dir: string;
let store: Store;
/** Sizes of the completeAndClaimMany calls the batcher made, and how many single completeAndClaim calls. */
let batches: number[];
let singles: number;

/** The real store, counting the calls that reach it. */
function counted(inner: Store): Store {
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'completeAndClaimMany') {
        return (items: Parameters<Store['completeAndClaimMany']>[0]) => {
          batches.push(items.length);
          return target.completeAndClaimMany(items);
        };
      }
      if (key === 'completeAndClaim') {
        return (...args: Parameters<Store['completeAndClaim']>) => {
          singles++;
          return target.completeAndClaim(...args);
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const request: ClaimRequest = { worker: 'pool', host: 'h', ttl_seconds: 30 };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pb-completion-batcher-'));
  store = await openSqliteStore({ path: join(dir, 'pulseboard.db') });
  batches = [];
  singles = 0;
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function claimAll(n: number): Promise<Claimed[]> {
  const held: Claimed[] = [];
  for (let i = 0; i < n; i++) held.push((await store.claim(request))!);
  return held;
}

describe('CompletionBatcher', () => {
  it('calls made in the same tick share one store call; each caller gets its own answer', async () => {
    for (let i = 0; i < 12; i++) await store.createTask({ title: `t${i}`, priority: 12 - i });
    const held = await claimAll(6);
    const batcher = new CompletionBatcher(counted(store), { maxInFlight: 1 });
    const answers = await Promise.all(
      held.map((c) => batcher.completeAndClaim(c.run.id, c.run.claim_token, { outcome: 'completed' }, request)),
    );
    expect(batches).toEqual([6]);
    expect(singles).toBe(0);
    answers.forEach((answer, i) => {
      expect(answer.run.id).toBe(held[i]!.run.id);
      expect(answer.task).toMatchObject({ id: held[i]!.task.id, status: 'done' });
    });
    expect(answers.map((a) => a.next?.task.title)).toEqual(['t6', 't7', 't8', 't9', 't10', 't11']);
    expect((await store.countTasksByStatus()).done).toBe(6);
  });

  it('a refused item rejects its own caller only', async () => {
    for (let i = 0; i < 4; i++) await store.createTask({ title: `t${i}` });
    const held = await claimAll(3);
    const batcher = new CompletionBatcher(counted(store));
    const results = await Promise.allSettled(
      held.map((c, i) =>
        batcher.completeAndClaim(c.run.id, i === 1 ? 'f'.repeat(32) : c.run.claim_token, { outcome: 'completed' }, request),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    expect(await store.getRun(held[1]!.run.id)).toMatchObject({ ended_at: null });
  });

  it('splits what waits over the batches it may have in flight, and sends a lone call as it is', async () => {
    for (let i = 0; i < 10; i++) await store.createTask({ title: `t${i}` });
    const held = await claimAll(9);
    const batcher = new CompletionBatcher(counted(store), { maxInFlight: 2 });
    await Promise.all(
      held.slice(0, 8).map((c) => batcher.completeAndClaim(c.run.id, c.run.claim_token, { outcome: 'completed' }, request)),
    );
    expect(batches).toEqual([4, 4]);
    const last = held[8]!;
    await batcher.completeAndClaim(last.run.id, last.run.claim_token, { outcome: 'completed' }, request);
    expect(singles).toBe(1);
  });

  it('calls made on a later turn go together in the next batch', async () => {
    for (let i = 0; i < 12; i++) await store.createTask({ title: `t${i}` });
    const held = await claimAll(7);
    const batcher = new CompletionBatcher(counted(store), { maxInFlight: 1 });
    const first = held.slice(0, 2).map((c) => batcher.completeAndClaim(c.run.id, c.run.claim_token, { outcome: 'completed' }, request));
    // Queued on the next turns, while the first batch is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    const later = held.slice(2).map((c) => batcher.completeAndClaim(c.run.id, c.run.claim_token, { outcome: 'completed' }, request));
    await Promise.all([...first, ...later]);
    expect(batches).toEqual([2, 5]);
  });
});
