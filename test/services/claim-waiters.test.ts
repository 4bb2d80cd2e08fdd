import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import type { Claimed, Store } from '../../src/ports/store.js';
import { ClaimWaiters } from '../../src/services/claim-waiters.js';
import type { ClaimFilter } from '../../src/services/claim-waiters.js';
import { waitFor } from '../sdk/helpers.js';

let dir: string;
let store: Store;
let waiters: ClaimWaiters;
let claimsTried: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pb-claim-waiters-'));
  store = await openSqliteStore({ path: join(dir, 'pulseboard.db') });
  waiters = new ClaimWaiters(async (notify) => store.onCommit(notify));
  claimsTried = 0;
});
afterEach(async () => {
  waiters.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function heldClaim(filter: ClaimFilter, signal?: AbortSignal, waitMs = 30_000): Promise<Claimed | null> {
  return waiters.claim(
    filter,
    () => {
      claimsTried++;
      return store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, board: filter.board, profile: filter.profile });
    },
    { waitMs, ...(signal ? { signal } : {}) },
  );
}

describe('ClaimWaiters', () => {
  it('a held claim takes a task made ready after it started waiting', async () => {
    const claim = heldClaim({ board: 'b', profile: null });
    await waitFor(() => waiters.count === 1 && claimsTried === 1, 10_000, 'the first, empty claim');
    const task = await store.createTask({ title: 'late', board: 'b' });
    const claimed = await claim;
    expect(claimed?.task.id).toBe(task.id);
    expect(waiters.count).toBe(0);
    expect(waiters.attached).toBe(false);
  });

  it('answers null at its deadline and lets go of the commits', async () => {
    expect(await heldClaim({ board: 'b', profile: null }, undefined, 200)).toBeNull();
    expect(waiters.count).toBe(0);
    expect(waiters.attached).toBe(false);
  });

  it('one ready task wakes one of many identical waiters, not all of them', async () => {
    const controller = new AbortController();
    const claims = Array.from({ length: 5 }, () => heldClaim({ board: 'b', profile: null }, controller.signal));
    await waitFor(() => claimsTried === 5, 10_000, 'five empty claims');
    await store.createTask({ title: 'one', board: 'b' });
    await waitFor(() => waiters.count === 4, 10_000, 'one waiter to take the task');
    // Only the woken waiter claimed again: 5 first claims + 1.
    expect(claimsTried).toBe(6);
    controller.abort();
    const results = await Promise.all(claims);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect(waiters.count).toBe(0);
    expect(waiters.attached).toBe(false);
  });

  it('wakes only waiters whose board and profile a signal can match', async () => {
    const controller = new AbortController();
    const elsewhere = heldClaim({ board: 'other', profile: null }, controller.signal);
    const profiled = heldClaim({ board: 'b', profile: 'gpu' }, controller.signal);
    const anyBoard = heldClaim({ profile: null }, controller.signal);
    await waitFor(() => claimsTried === 3, 10_000, 'three empty claims');
    const task = await store.createTask({ title: 'plain', board: 'b' });
    expect((await anyBoard)?.task.id).toBe(task.id);
    // The other two were not woken: they claimed once each and still wait.
    expect(claimsTried).toBe(4);
    expect(waiters.count).toBe(2);
    const gpu = await store.createTask({ title: 'for gpu', board: 'b', assignee: 'gpu' });
    expect((await profiled)?.task.id).toBe(gpu.id);
    controller.abort();
    expect(await elsewhere).toBeNull();
  });

  it('an abort ends one wait at once; the other waiter still gets the next task', async () => {
    const first = new AbortController();
    const second = new AbortController();
    const a = heldClaim({ board: 'b', profile: null }, first.signal);
    const b = heldClaim({ board: 'b', profile: null }, second.signal);
    await waitFor(() => claimsTried === 2, 10_000, 'two empty claims');
    first.abort();
    expect(await a).toBeNull();
    await store.createTask({ title: 'x', board: 'b' });
    expect(await b).not.toBeNull();
    expect(waiters.count).toBe(0);
  });

  it('an aborted request claims nothing, and close() ends every wait with null', async () => {
    const gone = new AbortController();
    gone.abort();
    await store.createTask({ title: 'stays ready', board: 'b' });
    expect(await heldClaim({ board: 'b', profile: null }, gone.signal)).toBeNull();
    expect(claimsTried).toBe(0);
    const held = heldClaim({ board: 'empty', profile: null });
    await waitFor(() => claimsTried === 1, 10_000, 'the empty claim');
    waiters.close();
    expect(await held).toBeNull();
    expect(waiters.attached).toBe(false);
  });
});
