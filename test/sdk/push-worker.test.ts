import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/adapters/bus/memory.js';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { boardEventsSubject } from '../../src/core/subjects.js';
import type { Store } from '../../src/ports/store.js';
import { httpTransport } from '../../src/sdk/http-transport.js';
import { storeTransport } from '../../src/store-transport.js';
import { createWorker } from '../../src/sdk/worker.js';
import type { WorkerOptions } from '../../src/sdk/worker-types.js';
import { startHarness } from '../http/harness.js';
import type { Harness } from '../http/harness.js';
import { waitFor } from './helpers.js';

// The polls are set to 30 s: a pick-up within 2 s can only come from a push.
const SLOW_POLL = { pollSeconds: 30, maxPollSeconds: 30 } as const;
const PUSH_BOUND_MS = 2_000;

const quiet = { handleSignals: false, healthSeconds: false } as const;

/** Resolves with the wall time at which the handler first started. */
function startTimes(): { handler: WorkerOptions['handler']; started: Promise<number> } {
  let resolve!: (at: number) => void;
  const started = new Promise<number>((r) => (resolve = r));
  return {
    handler: () => {
      resolve(Date.now());
    },
    started,
  };
}

describe('HTTP worker with held claims', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('starts a task created while it waited well before its fallback poll would', async () => {
    const errors: unknown[] = [];
    const { handler, started } = startTimes();
    const w = createWorker({
      name: h.workerName,
      transport: httpTransport({ url: h.base, token: h.tokens.worker }),
      board: 'push-http',
      waitSeconds: 30,
      ...SLOW_POLL,
      ...quiet,
      maxTasks: 1,
      onError: (err) => errors.push(err),
      handler,
    });
    await waitFor(() => h.app.claimWaiters.count === 1, 10_000, 'the worker to wait');
    const createdAt = Date.now();
    await h.api('POST', '/api/tasks', { body: { title: 'pushed', board: 'push-http' } });
    expect((await started) - createdAt).toBeLessThan(PUSH_BOUND_MS);
    await w.done;
    expect(errors).toEqual([]);
    expect(w.stats()).toMatchObject({ claimed: 1, completed: 1 });
  });

  it('stop() ends a held claim at once, quietly, and the server lets go of it', async () => {
    const errors: unknown[] = [];
    const w = createWorker({
      name: h.workerName,
      transport: httpTransport({ url: h.base, token: h.tokens.worker }),
      board: 'push-stop',
      waitSeconds: 30,
      ...SLOW_POLL,
      ...quiet,
      onError: (err) => errors.push(err),
      handler: () => null,
    });
    await waitFor(() => h.app.claimWaiters.count === 1, 10_000, 'the worker to wait');
    const stopping = Date.now();
    await w.stop();
    expect(Date.now() - stopping).toBeLessThan(5_000);
    await waitFor(() => h.app.claimWaiters.count === 0 && h.app.eventFeed.listenerCount === 0, 10_000, 'the server to let go');
    expect(errors).toEqual([]);
  });
});

describe('HTTP worker against a server that predates wait_seconds', () => {
  it('falls back to polling with backoff after the 400, without reporting it', async () => {
    const bodies: Record<string, unknown>[] = [];
    // What an older server answers: its schema rejects the unknown field, and a plain claim finds nothing.
    const old = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        const body = JSON.parse(text || '{}') as Record<string, unknown>;
        bodies.push(body);
        if ('wait_seconds' in body) {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ detail: 'body has an unknown field "wait_seconds"' }));
        } else {
          res.writeHead(204).end();
        }
      });
    });
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    const { port } = old.address() as AddressInfo;
    try {
      const errors: unknown[] = [];
      const transport = httpTransport({ url: `http://127.0.0.1:${port}`, token: 'pb_x' });
      const w = createWorker({
        name: 'old-server',
        transport,
        waitSeconds: 20,
        pollSeconds: 0.05,
        maxPollSeconds: 0.1,
        ...quiet,
        onError: (err) => errors.push(err),
        handler: () => null,
      });
      await waitFor(() => bodies.length >= 4, 10_000, 'a few polls');
      await w.stop();
      expect('wait_seconds' in (bodies[0] ?? {})).toBe(true);
      expect(bodies.slice(1).every((body) => !('wait_seconds' in body))).toBe(true);
      expect(transport.canWait?.()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      old.closeAllConnections();
      await new Promise((resolve) => old.close(resolve));
    }
  });
});

describe('store worker woken by commits', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pb-sdk-push-'));
    store = await openSqliteStore({ path: join(dir, 'pulseboard.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts a task committed in this process well before its fallback poll would, then stops listening", async () => {
    const transport = storeTransport(store, { fallbackPollSeconds: 30 });
    const { handler, started } = startTimes();
    const w = createWorker({ name: 'pushed', transport, board: 'b', waitSeconds: 30, ...SLOW_POLL, ...quiet, maxTasks: 1, handler });
    await waitFor(() => transport.waitingClaims() === 1, 10_000, 'the worker to wait');
    const createdAt = Date.now();
    await store.createTask({ title: 'now', board: 'b' });
    expect((await started) - createdAt).toBeLessThan(PUSH_BOUND_MS);
    await w.done;
    expect(transport.waitingClaims()).toBe(0);
    expect(transport.listeningForCommits()).toBe(false);
  });

  it('finds a task committed by another connection to the same file on its fallback poll', async () => {
    const other = await openSqliteStore({ path: join(dir, 'pulseboard.db') });
    try {
      const transport = storeTransport(store, { fallbackPollSeconds: 0.3 });
      const { handler, started } = startTimes();
      const w = createWorker({ name: 'polled', transport, board: 'b', ...SLOW_POLL, ...quiet, maxTasks: 1, handler });
      await waitFor(() => transport.waitingClaims() === 1, 10_000, 'the worker to wait');
      await other.createTask({ title: 'from elsewhere', board: 'b' });
      await started;
      await w.done;
    } finally {
      await other.close();
    }
  });

  it("is woken at once by another process's commits published on the bus", async () => {
    const other = await openSqliteStore({ path: join(dir, 'pulseboard.db') });
    const bus = createMemoryBus();
    // What a server does with its commits (server.ts publishCommits).
    const stopPublishing = other.onCommit((events) => {
      for (const event of events) bus.publish(boardEventsSubject(event.board), event);
    });
    try {
      const transport = storeTransport(store, { fallbackPollSeconds: 30, bus });
      const { handler, started } = startTimes();
      const w = createWorker({ name: 'bused', transport, board: 'b', waitSeconds: 30, ...SLOW_POLL, ...quiet, maxTasks: 1, handler });
      await waitFor(() => transport.waitingClaims() === 1, 10_000, 'the worker to wait');
      const createdAt = Date.now();
      await other.createTask({ title: 'over the bus', board: 'b' });
      expect((await started) - createdAt).toBeLessThan(PUSH_BOUND_MS);
      await w.done;
    } finally {
      stopPublishing();
      await bus.close();
      await other.close();
    }
  });

  it('waitSeconds: false polls as before', async () => {
    const transport = storeTransport(store, { fallbackPollSeconds: 30 });
    const { handler, started } = startTimes();
    await store.createTask({ title: 'polled', board: 'b' });
    const w = createWorker({ name: 'poller', transport, board: 'b', waitSeconds: false, pollSeconds: 0.05, ...quiet, maxTasks: 1, handler });
    await started;
    await w.done;
    expect(transport.waitingClaims()).toBe(0);
    expect(transport.listeningForCommits()).toBe(false);
  });
});
