import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PublicRun, Task } from '../../src/core/types.js';
import { startTestServer, waitFor } from './helpers.js';
import type { TestServer } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/slots-worker.ts', import.meta.url));

let t: TestServer;
let boards = 0;
const running = new Set<ChildProcess>();
beforeAll(async () => {
  t = await startTestServer();
});
afterEach(() => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
});
afterAll(async () => {
  await t?.close();
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  board: string;
}

/** A real worker process on its own board, under a worker token of its own name, as a user runs one. */
async function startWorker(titles: string[], env: { concurrency: number; graceSeconds?: number; holdMs?: number; ttlSeconds?: number }): Promise<Started & { tasks: Task[] }> {
  const board = `slots-${++boards}`;
  const name = `slots-${boards}`;
  const tasks = [];
  for (const title of titles) tasks.push(await t.client.createTask({ title, board }));
  const token = (await t.client.createToken('worker', name)).token;
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      ...process.env,
      PULSEBOARD_URL: t.server.url,
      PULSEBOARD_TOKEN: token,
      WORKER_NAME: name,
      BOARD: board,
      CONCURRENCY: String(env.concurrency),
      MAX_TASKS: String(titles.length),
      TTL_SECONDS: String(env.ttlSeconds ?? 30),
      GRACE_SECONDS: String(env.graceSeconds ?? 10),
      HOLD_MS: String(env.holdMs ?? 3000),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => titles.every((title) => text.includes(`started ${title} `)), 60_000, 'every slot to start its task');
  return { child, output: () => text, exited, board, tasks };
}

async function runsOf(task: Task): Promise<PublicRun[]> {
  return (await t.client.getTask(task.id)).runs;
}

function byTitle(tasks: Task[], title: string): Task {
  return tasks.find((task) => task.title === title) as Task;
}

describe('an SDK worker process with several slots', () => {
  it('concurrency 2, one run terminated from the API: that slot aborts, the other completes for real, the process lives', async () => {
    const w = await startWorker(['stopped', 'kept'], { concurrency: 2 });
    const [run] = await runsOf(byTitle(w.tasks, 'stopped'));
    const answer = await t.client.terminateRun(run!.id, { then: 'block', grace_seconds: 0 });
    // The worker named its own pid, which is no proof: fenced, not signalled.
    expect(answer).toMatchObject({ terminated: false, signal: null, stopped_by: 'fence' });
    await waitFor(() => w.output().includes('aborted stopped (LeaseLostError)'), 30_000, 'the stopped slot to abort');
    expect(w.child.exitCode).toBeNull();
    expect(await w.exited).toBe(0);
    expect(w.output()).toContain('finished kept');

    const kept = await t.client.getTask(byTitle(w.tasks, 'kept').id);
    expect(kept.task).toMatchObject({ status: 'done', result: { done: 'kept' } });
    const stopped = await t.client.getTask(byTitle(w.tasks, 'stopped').id);
    expect(stopped.task).toMatchObject({ status: 'blocked', result: null });
    expect(stopped.runs.map((r) => r.outcome)).toEqual(['terminated']);
    expect(w.output()).toMatch(/stopped .*"completed":1,.*"lost":1/);
  }, 120_000);

  it('under SIGTERM: a handler that finishes within the grace completes, an aborted one is never recorded completed', async () => {
    const w = await startWorker(['quick', 'slow'], { concurrency: 2, graceSeconds: 2, holdMs: 1500, ttlSeconds: 2 });
    w.child.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(w.output()).toContain('finished quick');
    expect(w.output()).toContain('aborted slow (WorkerStoppedError)');
    expect(w.output()).toMatch(/stopped .*"completed":1,.*"abandoned":1/);

    const quick = await t.client.getTask(byTitle(w.tasks, 'quick').id);
    expect(quick.task).toMatchObject({ status: 'done', result: { done: 'quick' } });
    // Left to the server: requeued once its lease lapses, never completed by the aborted handler.
    const slow = byTitle(w.tasks, 'slow');
    await waitFor(async () => (await t.client.getTask(slow.id)).task.status === 'ready', 30_000, 'the slow task to be requeued');
    const detail = await t.client.getTask(slow.id);
    expect(detail.task.result).toBeNull();
    expect(detail.runs.map((r) => r.outcome)).toEqual(['reclaimed']);
  }, 120_000);

  it('concurrency 4, one slot loses its lease: only that handler is aborted, the three others complete', async () => {
    const titles = ['one', 'two', 'three', 'four'];
    const w = await startWorker(titles, { concurrency: 4, holdMs: 4000 });
    // Reclaimed by an operator: the slot's next heartbeat answers 409.
    await t.client.reclaimTask(byTitle(w.tasks, 'two').id);
    await waitFor(() => w.output().includes('aborted two (LeaseLostError)'), 30_000, 'slot two to abort');
    expect(w.child.exitCode).toBeNull();
    expect(await w.exited).toBe(0);
    for (const title of ['one', 'three', 'four']) {
      const detail = await t.client.getTask(byTitle(w.tasks, title).id);
      expect(detail.task).toMatchObject({ status: 'done', result: { done: title } });
    }
    const two = await t.client.getTask(byTitle(w.tasks, 'two').id);
    expect(two.runs.map((r) => r.outcome)).toEqual(['reclaimed']);
    expect(two.task.result).toBeNull();
    expect(w.output()).toMatch(/stopped .*"completed":3,.*"lost":1/);
  }, 120_000);
});
