import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitFor } from './helpers.js';
import type { TestServer } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/frozen-worker.ts', import.meta.url));

let t: TestServer;
let child: ChildProcess | undefined;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await t?.close();
});

describe('a worker frozen while its claim is answered', () => {
  it('wakes after the lease was reclaimed and does not start the handler of that run; the task runs once, later', async () => {
    const token = (await t.client.createToken('worker', 'frozen')).token;
    child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      env: { ...process.env, PULSEBOARD_URL: t.server.url, PULSEBOARD_TOKEN: token, WORKER_NAME: 'frozen', BOARD: 'frozen', MAX_TASKS: '2', TTL_SECONDS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await waitFor(() => out.includes('claiming'), 30_000, 'the worker to send its claim');
    // The claim is on the server, held because the board is empty; the worker sleeps in it.
    await sleep(500);
    child.kill('SIGSTOP');
    const task = await t.client.createTask({ title: 'once', board: 'frozen' });
    // The held claim takes the task for the frozen worker: a 1 s lease nobody renews.
    const first = await waitFor(async () => (await t.client.getTask(task.id)).runs[0], 10_000, 'the frozen worker to be given the task');
    await waitFor(async () => (await t.client.getTask(task.id)).runs.find((r) => r.id === first.id && r.outcome === 'reclaimed'), 20_000, 'the reaper to reclaim the lapsed lease');
    child.kill('SIGCONT');
    expect(await exited).toBe(0);
    // It read the old answer, found its lease gone with one beat, and claimed the requeued task anew.
    expect(out).not.toContain(`started run ${first.id}\n`);
    const after = await t.client.getTask(task.id);
    expect(after.task.status).toBe('done');
    expect(after.runs.filter((r) => r.outcome === 'completed')).toHaveLength(1);
    expect(out).toMatch(/"lost":1/);
  }, 60_000);
});
