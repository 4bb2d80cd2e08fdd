import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPulseboard } from '../../src/server.js';
import type { Pulseboard } from '../../src/server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/sdk/client.js';
import { startTestServer, waitFor } from './helpers.js';
import type { TestServer } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/frozen-worker.ts', import.meta.url));

let t: TestServer;
let child: ChildProcess | undefined;
let restarted: Pulseboard | undefined;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await restarted?.close();
  await t?.close();
});

/** The frozen worker, started with its claim held by the server on an empty board. */
async function frozenWorker(board: string): Promise<{ output: () => string; exited: Promise<number | null> }> {
  const token = (await t.client.createToken('worker', board)).token;
  child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, PULSEBOARD_URL: t.server.url, PULSEBOARD_TOKEN: token, WORKER_NAME: board, BOARD: board, MAX_TASKS: '2', TTL_SECONDS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  await waitFor(() => out.includes('claiming'), 30_000, 'the worker to send its claim');
  // The claim is on the server, held because the board is empty; the worker sleeps in it.
  await sleep(500);
  child.kill('SIGSTOP');
  return { output: () => out, exited };
}

describe('a worker frozen while its claim is answered', () => {
  it('wakes after the lease was reclaimed and does not start the handler of that run; the task runs once, later', async () => {
    const { output, exited } = await frozenWorker('frozen');
    const task = await t.client.createTask({ title: 'once', board: 'frozen' });
    // The held claim takes the task for the frozen worker: a 1 s lease nobody renews.
    const first = await waitFor(async () => (await t.client.getTask(task.id)).runs[0], 10_000, 'the frozen worker to be given the task');
    await waitFor(async () => (await t.client.getTask(task.id)).runs.find((r) => r.id === first.id && r.outcome === 'reclaimed'), 20_000, 'the reaper to reclaim the lapsed lease');
    child!.kill('SIGCONT');
    expect(await exited).toBe(0);
    // It read the old answer, found its lease gone with one beat, and claimed the requeued task anew.
    expect(output()).not.toContain(`started run ${first.id}\n`);
    const after = await t.client.getTask(task.id);
    expect(after.task.status).toBe('done');
    expect(after.runs.filter((r) => r.outcome === 'completed')).toHaveLength(1);
    expect(output()).toMatch(/"lost":1/);
  }, 60_000);

  it('wakes while the server is down: a beat that failed confirms nothing, and the handler of the reclaimed run never starts', async () => {
    const { output, exited } = await frozenWorker('frozen-down');
    const task = await t.client.createTask({ title: 'once', board: 'frozen-down' });
    const first = await waitFor(async () => (await t.client.getTask(task.id)).runs[0], 10_000, 'the frozen worker to be given the task');
    await waitFor(async () => (await t.client.getTask(task.id)).runs.find((r) => r.id === first.id && r.outcome === 'reclaimed'), 20_000, 'the reaper to reclaim the lapsed lease');
    const port = new URL(t.server.url).port;
    await t.server.close();
    child!.kill('SIGCONT');
    // Its confirming beat is refused at the door (nothing listens); then the server comes back on the same port and data.
    await waitFor(() => output().includes(`error confirm run ${first.id}`), 20_000, 'the worker to try confirming its claim');
    restarted = await startPulseboard({
      cwd: dirname(t.home),
      env: { PULSEBOARD_HOME: t.home },
      port: Number(port),
      dispatch: false,
      log: () => {},
    });
    expect(await exited).toBe(0);
    expect(output()).not.toContain(`started run ${first.id}\n`);
    const after = await createClient({ url: restarted.url, token: restarted.token }).getTask(task.id);
    expect(after.task.status).toBe('done');
    expect(after.runs.filter((r) => r.outcome === 'completed')).toHaveLength(1);
    // Given up unconfirmed (its beats kept failing) or found lost once the server answered: either way, not run.
    const stats = JSON.parse(/stopped (.*)/.exec(output())![1]!) as { lost: number; abandoned: number };
    expect(stats.lost + stats.abandoned).toBe(1);
  }, 60_000);
});
