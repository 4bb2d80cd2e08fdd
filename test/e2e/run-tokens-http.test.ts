import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicRun, Task } from '../../src/core/types.js';
import { issueToken } from '../../src/services/tokens.js';
import { startE2eServer, waitFor } from './helpers.js';
import type { E2eServer } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/run-token-worker.mjs', import.meta.url));
const SLOW_TO_EXIT = fileURLToPath(new URL('./fixtures/slow-to-exit.mjs', import.meta.url));

interface RunCredentials {
  run_id: number;
  token: string;
  claim_token: string;
}

let t: E2eServer;
const outDir = mkdtempSync(join(tmpdir(), 'pb-run-tokens-'));
const workerPids = new Set<number>();

beforeAll(async () => {
  t = await startE2eServer(
    { profiles: { holder: { command: [process.execPath, FIXTURE], env: { OUT_DIR: outDir }, max_attempts: 1 } } },
    { dispatch: true },
  );
});
afterAll(async () => {
  await t?.close();
  for (const pid of workerPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(outDir, { recursive: true, force: true });
});

/** Creates a task for the dispatcher and waits for its worker's per-run credentials. */
async function dispatched(mode: 'hold' | 'complete' | 'crash'): Promise<{ taskId: string; creds: RunCredentials }> {
  const created = await t.api<{ task: Task }>('POST', '/api/tasks', { body: { title: mode, body: mode, assignee: 'holder' } });
  expect(created.status).toBe(201);
  const taskId = created.body.task.id;
  const file = join(outDir, `${taskId}.json`);
  await waitFor(() => existsSync(file), `the worker of ${taskId} to start`);
  const creds = JSON.parse(readFileSync(file, 'utf8')) as RunCredentials;
  const { body } = await t.api<{ run: PublicRun }>('GET', `/api/runs/${creds.run_id}`);
  if (body.run.worker_pid !== null) workerPids.add(body.run.worker_pid);
  return { taskId, creds };
}

/**
 * A run claimed over HTTP that holds a per-run token, as a dispatched run is left when its dispatcher went
 * away (a server restarted without one, a host that is gone): nothing but the server itself watches it.
 */
async function undispatchedRun(board: string, claim: { ttl_seconds: number; pid?: number }): Promise<RunCredentials> {
  const created = await t.api<{ task: Task }>('POST', '/api/tasks', { body: { title: board, board } });
  expect(created.status).toBe(201);
  const claimer = await t.tokenFor('worker', 'claimer');
  const claimed = await t.api<{ run: PublicRun & { claim_token: string } }>('POST', '/api/claims', {
    token: claimer,
    body: { worker: 'claimer', board, ...claim },
  });
  expect(claimed.status).toBe(200);
  const run = claimed.body.run;
  expect(run.task_id).toBe(created.body.task.id);
  const issued = await issueToken(t.server.store, { role: 'worker', name: 'claimer', run_id: run.id });
  return { run_id: run.id, token: issued.token, claim_token: run.claim_token };
}

/** What the run's own token gets for a heartbeat: 200 while live, 409 once ended, 401 once revoked. */
async function heartbeatStatus(creds: RunCredentials): Promise<number> {
  const answer = await t.api('POST', `/api/runs/${creds.run_id}/heartbeat`, { token: creds.token, body: { claim_token: creds.claim_token } });
  return answer.status;
}

async function outcomeOf(runId: number): Promise<string | null> {
  return (await t.api<{ run: PublicRun }>('GET', `/api/runs/${runId}`)).body.run.outcome;
}

describe('per-run worker tokens die with their run', () => {
  it('terminated over HTTP: the token is refused as soon as the terminate answers', async () => {
    const { creds } = await dispatched('hold');
    expect(await heartbeatStatus(creds)).toBe(200);
    const stop = await t.api('POST', `/api/runs/${creds.run_id}/terminate`, { body: { grace_seconds: 2, then: 'block' } });
    expect(stop.status).toBe(200);
    expect(await outcomeOf(creds.run_id)).toBe('terminated');
    expect(await heartbeatStatus(creds)).toBe(401);
  });

  it('reclaimed over HTTP: the token is refused as soon as the reclaim answers', async () => {
    const { taskId, creds } = await dispatched('hold');
    expect(await heartbeatStatus(creds)).toBe(200);
    expect((await t.api('POST', `/api/tasks/${taskId}/reclaim`, { body: {} })).status).toBe(200);
    expect(await outcomeOf(creds.run_id)).toBe('reclaimed');
    expect(await heartbeatStatus(creds)).toBe(401);
    // The reclaim requeued the task and the dispatcher may start it again: block it, freeing the profile's slot.
    expect((await t.api('PATCH', `/api/tasks/${taskId}`, { body: { status: 'blocked' } })).status).toBe(200);
  });

  it('moved out of running by PATCH: the token is refused as soon as the PATCH answers', async () => {
    const { taskId, creds } = await dispatched('hold');
    expect(await heartbeatStatus(creds)).toBe(200);
    expect((await t.api('PATCH', `/api/tasks/${taskId}`, { body: { status: 'blocked' } })).status).toBe(200);
    expect(await outcomeOf(creds.run_id)).toBe('terminated');
    expect(await heartbeatStatus(creds)).toBe(401);
  });

  it('completed by its worker: the token is refused once the run and its process are over', async () => {
    const { creds } = await dispatched('complete');
    await waitFor(async () => (await outcomeOf(creds.run_id)) === 'completed', 'the run to complete');
    await waitFor(async () => (await heartbeatStatus(creds)) === 401, 'the token to be refused', 10_000);
  });

  it('failed: the token is refused once the failure is recorded', async () => {
    const { creds } = await dispatched('crash');
    await waitFor(async () => (await outcomeOf(creds.run_id)) !== null, 'the crash to be recorded');
    expect(await outcomeOf(creds.run_id)).toMatch(/failed|gave_up/);
    await waitFor(async () => (await heartbeatStatus(creds)) === 401, 'the token to be refused', 10_000);
  });

  it('reclaimed by the reaper: the token of a run whose lease lapsed is refused', async () => {
    const creds = await undispatchedRun('lapse', { ttl_seconds: 1 });
    expect([200, 409]).toContain(await heartbeatStatus(creds));
    await waitFor(async () => (await outcomeOf(creds.run_id)) === 'reclaimed', 'the reaper to reclaim the run');
    await waitFor(async () => (await heartbeatStatus(creds)) === 401, 'the token to be refused', 10_000);
  });

  it('reclaimed by the reaper, naming a local process the server did not start: never signalled, the token refused', async () => {
    const worker = spawn(process.execPath, [SLOW_TO_EXIT], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = worker.pid as number;
    workerPids.add(pid);
    let output = '';
    worker.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('ready'), 'the worker to install its SIGTERM handler');
    const creds = await undispatchedRun('lapse-local', { ttl_seconds: 1, pid });

    await waitFor(async () => (await outcomeOf(creds.run_id)) === 'reclaimed', 'the reaper to reclaim the run');
    // A declared pid is the claimant's word, not proof: nothing to wait for, the token goes at once.
    await waitFor(async () => (await heartbeatStatus(creds)) === 401, 'the token to be refused', 15_000, 100);
    expect(output).not.toContain('winding down');
    expect(worker.exitCode).toBeNull();
    worker.kill('SIGKILL');
  });

  it('completed by a worker no dispatcher watches: the token is refused as soon as the completion answers', async () => {
    const creds = await undispatchedRun('unwatched', { ttl_seconds: 60 });
    expect(await heartbeatStatus(creds)).toBe(200);
    const done = await t.api('POST', `/api/runs/${creds.run_id}/complete`, {
      token: creds.token,
      body: { claim_token: creds.claim_token, outcome: 'completed' },
    });
    expect(done.status).toBe(200);
    expect(await heartbeatStatus(creds)).toBe(401);
  });
});
