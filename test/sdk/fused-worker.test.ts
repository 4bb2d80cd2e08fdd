import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { LeaseLostError } from '../../src/core/errors.js';
import type { Run } from '../../src/core/types.js';
import type { Store } from '../../src/ports/store.js';
import { httpTransport } from '../../src/sdk/http-transport.js';
import { storeTransport } from '../../src/store-transport.js';
import type { WorkerTransport } from '../../src/sdk/transport.js';
import { createWorker } from '../../src/sdk/worker.js';
import type { WorkerOptions } from '../../src/sdk/worker-types.js';
import { startTestServer, waitFor } from './helpers.js';

/** The real transport, with a log of which calls the worker made and what each one brought back. */
function recorded(inner: WorkerTransport, titleOf: (run: Run) => string) {
  const calls: string[] = [];
  const transport: WorkerTransport = {
    ...inner,
    async claim(input) {
      const claimed = await inner.claim(input);
      calls.push(`claim -> ${claimed?.task.title ?? 'none'}`);
      return claimed;
    },
    async complete(run, report) {
      await inner.complete(run, report);
      calls.push(`complete ${titleOf(run)}`);
    },
    async completeAndClaim(run, report, next) {
      try {
        const claimed = await inner.completeAndClaim!(run, report, next);
        calls.push(`complete ${titleOf(run)} + claim -> ${claimed?.task.title ?? 'none'}`);
        return claimed;
      } catch (err) {
        calls.push(`complete ${titleOf(run)} + claim refused: ${err instanceof LeaseLostError ? 'lease lost' : String(err)}`);
        throw err;
      }
    },
  };
  return { transport, calls };
}

const quiet = { pollSeconds: 0.02, maxPollSeconds: 0.1, handleSignals: false, healthSeconds: false as const, onError: () => {} };

describe('the worker completes and claims in one call', () => {
  let dir: string;
  let store: Store;
  const titles = new Map<string, string>();
  const titleOf = (run: Run) => titles.get(run.task_id) ?? run.task_id;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pb-sdk-fused-'));
    store = await openSqliteStore({ path: join(dir, 'pulseboard.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function createTitled(title: string, extra: { priority?: number } = {}) {
    const task = await store.createTask({ title, ...extra });
    titles.set(task.id, title);
    return task;
  }

  it('store transport: one call per task in steady state, a plain completion once maxTasks is reached', async () => {
    for (const [n, title] of ['a', 'b', 'c', 'd'].entries()) await createTitled(title, { priority: 10 - n });
    const { transport, calls } = recorded(storeTransport(store), titleOf);
    const w = createWorker({ name: 'fused', transport, maxTasks: 4, handler: () => {}, ...quiet } satisfies WorkerOptions);
    await w.done;
    expect(calls).toEqual(['claim -> a', 'complete a + claim -> b', 'complete b + claim -> c', 'complete c + claim -> d', 'complete d']);
    expect(w.stats()).toMatchObject({ claimed: 4, completed: 4, lost: 0 });
    expect(await store.countTasksByStatus()).toMatchObject({ done: 4, ready: 0, running: 0 });
  });

  it('an empty fused claim waits a poll, then claims as usual; a stopping worker completes without claiming', async () => {
    await createTitled('first');
    const { transport, calls } = recorded(storeTransport(store), titleOf);
    let releaseLast = () => {};
    const w = createWorker({
      name: 'fused',
      transport,
      handler: (task) => (task.title === 'last' ? new Promise<undefined>((resolve) => (releaseLast = () => resolve(undefined))) : undefined),
      ...quiet,
    });
    await waitFor(() => calls.includes('complete first + claim -> none'));
    await createTitled('last');
    await waitFor(() => calls.includes('claim -> last'));
    const stopped = w.stop({ graceSeconds: 30 });
    releaseLast();
    await stopped;
    // Empty polls in between depend on timing.
    expect(calls.filter((c) => c !== 'claim -> none')).toEqual(['claim -> first', 'complete first + claim -> none', 'claim -> last', 'complete last']);
    expect(await store.countTasksByStatus()).toMatchObject({ done: 2, ready: 0, running: 0 });
  });

  it('a refused completion (409) aborts only its own task and claims nothing; the other slot goes on', async () => {
    await createTitled('lost', { priority: 3 });
    await createTitled('other', { priority: 2 });
    await createTitled('later', { priority: 1 });
    const { transport, calls } = recorded(storeTransport(store), titleOf);
    const release = new Map<string, () => void>();
    const signals = new Map<string, AbortSignal>();
    const w = createWorker({
      name: 'fused',
      transport,
      concurrency: 2,
      maxTasks: 3,
      // No heartbeat before the completion: the completion itself must learn the run was lost.
      heartbeatSeconds: 600,
      handler: (task, ctx) => {
        signals.set(task.title, ctx.signal);
        if (task.title === 'later') return undefined;
        return new Promise<undefined>((resolve) => release.set(task.title, () => resolve(undefined)));
      },
      ...quiet,
    });
    await waitFor(() => release.has('lost') && release.has('other'));
    const lostRun = (await store.listRuns([...titles].find(([, t]) => t === 'lost')![0]))[0]!;
    await store.endRun(lostRun.id, { outcome: 'terminated', then: 'block', reason: 'test' });
    release.get('lost')!();
    await waitFor(() => calls.some((c) => c.startsWith('claim -> later')));
    expect(calls).toContain('complete lost + claim refused: lease lost');
    expect(calls.some((c) => c.startsWith('complete lost + claim ->'))).toBe(false);
    expect(signals.get('other')?.aborted).toBe(false);
    const later = [...titles].find(([, t]) => t === 'later')![0];
    expect(await store.listRuns(later)).toHaveLength(1);
    release.get('other')!();
    await w.done;
    expect(w.stats()).toMatchObject({ claimed: 3, completed: 2, lost: 1 });
    expect(await store.countTasksByStatus()).toMatchObject({ done: 2, blocked: 1, running: 0 });
  });

  it('http transport: the server answers the next task with the completion', async () => {
    const t = await startTestServer();
    try {
      const board = 'fused-http';
      for (const [n, title] of ['x', 'y', 'z'].entries()) {
        const task = await t.client.createTask({ title, board, priority: 10 - n });
        titles.set(task.id, title);
      }
      const { transport, calls } = recorded(httpTransport({ url: t.server.url, token: t.server.token }), titleOf);
      const w = createWorker({ name: 'fused-http', transport, board, maxTasks: 3, handler: () => ({ ok: true }), ...quiet });
      await w.done;
      expect(calls).toEqual(['claim -> x', 'complete x + claim -> y', 'complete y + claim -> z', 'complete z']);
      const done = await t.client.listTasks({ board, status: 'done' });
      expect(done.map((task) => task.result)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    } finally {
      await t.close();
    }
  });
});
