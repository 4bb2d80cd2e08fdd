import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../src/core/errors.js';
import { BlockedError, WorkerStoppedError } from '../../src/sdk/errors.js';
import { ApiError } from '../../src/sdk/api-error.js';
import { httpTransport } from '../../src/sdk/http-transport.js';
import { createWorker } from '../../src/sdk/worker.js';
import type { WorkerOptions } from '../../src/sdk/worker-types.js';
import { aborted, startTestServer, waitFor } from './helpers.js';
import type { TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

function worker(opts: Partial<WorkerOptions> & Pick<WorkerOptions, 'handler'>, board: string) {
  return createWorker({
    name: 'sdk-test',
    transport: httpTransport({ url: t.server.url, token: t.server.token }),
    board,
    pollSeconds: 0.05,
    maxPollSeconds: 0.2,
    handleSignals: false,
    healthSeconds: false,
    onError: () => {},
    ...opts,
  });
}

async function finalTask(id: string, status: string) {
  return waitFor(async () => {
    const detail = await t.client.getTask(id);
    return detail.task.status === status ? detail : undefined;
  }, 30_000, `task ${id} to be ${status}`);
}

describe('createWorker over HTTP', () => {
  it("completes a task with the handler's result", async () => {
    const task = await t.client.createTask({ title: 'add', body: '2+3', board: 'h-result' });
    const seen: string[] = [];
    const w = worker(
      {
        maxTasks: 1,
        handler: (claimed, ctx) => {
          seen.push(`${claimed.id}:${ctx.run.task_id}:${typeof ctx.claimToken}`);
          expect('claim_token' in ctx.run).toBe(false);
          return { sum: 5 };
        },
      },
      'h-result',
    );
    await w.done;
    expect(seen).toEqual([`${task.id}:${task.id}:string`]);
    const detail = await finalTask(task.id, 'done');
    expect(detail.task.result).toEqual({ sum: 5 });
    expect(detail.runs[0]?.outcome).toBe('completed');
    expect(w.stats()).toMatchObject({ claimed: 1, completed: 1, failed: 0 });
  });

  it('marks the run failed with the message of the error the handler throws', async () => {
    const task = await t.client.createTask({ title: 'boom', board: 'h-fail', max_attempts: 2 });
    const w = worker({ maxTasks: 1, handler: () => Promise.reject(new Error('disk on fire')) }, 'h-fail');
    await w.done;
    const run = await waitFor(async () => {
      const detail = await t.client.getTask(task.id);
      return detail.runs.find((r) => r.outcome !== null);
    });
    expect(run.outcome).toBe('failed');
    expect(run.error).toContain('disk on fire');
    expect(w.stats().failed).toBe(1);
    // One attempt of two spent: the task waits for the next one.
    expect((await t.client.getTask(task.id)).task.status).toBe('ready');
  });

  it('blocks a task when the handler throws BlockedError', async () => {
    const task = await t.client.createTask({ title: 'needs a human', board: 'h-block' });
    const w = worker({ maxTasks: 1, handler: () => { throw new BlockedError('need credentials'); } }, 'h-block');
    await w.done;
    const detail = await finalTask(task.id, 'blocked');
    expect(detail.runs[0]?.outcome).toBe('blocked');
    expect(w.stats().blocked).toBe(1);
  });

  it('sends reported progress with the next heartbeat', async () => {
    const task = await t.client.createTask({ title: 'slow', board: 'h-progress' });
    let runId = 0;
    const w = worker(
      {
        maxTasks: 1,
        ttlSeconds: 30,
        heartbeatSeconds: 0.2,
        handler: async (_task, ctx) => {
          runId = ctx.run.id;
          ctx.progress({ step: 1 }, 'halfway');
          await waitFor(async () => (await t.client.getRun(ctx.run.id)).last_progress_at !== null, 30_000, 'progress');
        },
      },
      'h-progress',
    );
    await w.done;
    const run = await t.client.getRun(runId);
    expect(run.metadata['progress']).toEqual({ step: 1 });
    expect(run.outcome).toBe('completed');
    await finalTask(task.id, 'done');
  });

  it('aborts the signal when the task is reclaimed while the handler waits, and reports nothing', async () => {
    const task = await t.client.createTask({ title: 'long', board: 'h-lease' });
    let reason: unknown;
    const w = worker(
      {
        maxTasks: 1,
        ttlSeconds: 30,
        heartbeatSeconds: 0.2,
        handler: async (_task, ctx) => {
          reason = await aborted(ctx.signal);
          return { should: 'not be recorded' };
        },
      },
      'h-lease',
    );
    await waitFor(async () => (await t.client.activeRuns('h-lease')).count === 1, 30_000, 'the claim');
    await t.client.reclaimTask(task.id);
    await w.done;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(w.stats()).toMatchObject({ lost: 1, completed: 0 });
    const detail = await t.client.getTask(task.id);
    expect(detail.task.status).toBe('ready');
    expect(detail.task.result).toBeNull();
    expect(detail.runs[0]?.outcome).toBe('reclaimed');
  });

  it('stops when an operator asks, learning it from the health answer', async () => {
    const created = await t.client.createToken('worker', 'stoppable');
    const w = createWorker({
      name: 'stoppable',
      transport: httpTransport({ url: t.server.url, token: created.token }),
      board: 'h-stop',
      pollSeconds: 0.05,
      handleSignals: false,
      healthSeconds: 0.1,
      handler: () => null,
    });
    await waitFor(async () => (await t.client.workers()).workers.find((r) => r.name === 'stoppable' && r.status === 'ok'));
    await t.client.stopWorker('stoppable');
    await w.done;
    expect(w.stats().claimed).toBe(0);
  });

  it('stops publishing health, after saying so once, when its name is not a known worker', async () => {
    const errors: string[] = [];
    const w = worker(
      { name: 'nobody-knows', healthSeconds: 0.05, onError: (err, where) => errors.push(`${where}: ${String(err)}`), handler: () => null },
      'h-unknown',
    );
    await waitFor(() => errors.length > 0, 30_000, 'the health error');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await w.stop();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^health: .*nobody-knows is not in the registry/);
  });

  it('stop() aborts a handler that outlives the grace, and what it throws then is not reported', async () => {
    const task = await t.client.createTask({ title: 'stubborn', board: 'h-grace' });
    let reason: unknown;
    const w = worker(
      {
        handler: async (_task, ctx) => {
          reason = await aborted(ctx.signal);
          throw new Error('gave up on stop');
        },
      },
      'h-grace',
    );
    await waitFor(() => w.stats().in_flight === 1, 30_000, 'the handler to start');
    await w.stop({ graceSeconds: 0.1 });
    expect(reason).toBeInstanceOf(WorkerStoppedError);
    expect(w.stats()).toMatchObject({ failed: 0, completed: 0, abandoned: 1 });
    // Left to the server: the run is still open, and requeued once its lease lapses.
    const detail = await t.client.getTask(task.id);
    expect(detail.task.status).toBe('running');
    expect(detail.runs[0]?.outcome).toBeNull();
  });

  it('the client reports API errors with status and detail', async () => {
    const err = await t.client.getRun(999_999).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, detail: 'run 999999 not found' });
  });
});
