import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import type { EventRow, Run, Task } from '../../src/core/types.js';
import { startPulseboard } from '../../src/server.js';
import type { Pulseboard } from '../../src/server.js';
import { issueToken } from '../../src/services/tokens.js';
import { Children, waitFor } from '../process/children.js';

// Answers are read field by field in the assertions below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON, checked by the assertions
type Answer = any;

/**
 * A worker token names a process it does not own (a `sleep` this test started) as its pid. Whatever
 * happens to the run (lease lapse, terminate, PATCH, reclaim), that process must live on.
 */
describe('a pid a claimant declared is never signalled', () => {
  let home: string;
  let pb: Pulseboard;
  let workerToken: string;
  let boards = 0;
  const children = new Children();

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'pb-declared-'));
    pb = await startPulseboard({ cwd: home, env: { PULSEBOARD_HOME: home }, port: 0, dispatch: false, log: () => undefined });
    workerToken = (await issueToken(pb.store, { role: 'worker', name: 'intruder', run_id: null })).token;
  });
  afterEach(async () => {
    await children.killAll();
  });
  afterAll(async () => {
    await pb.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function api(method: string, path: string, body?: unknown, token = pb.token): Promise<{ status: number; body: Answer }> {
    const response = await fetch(`${pb.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  }

  /** A claim by the worker token that names `pid` as its process. */
  async function claimNaming(pid: number, ttlSeconds = 30): Promise<{ task: Task; run: Run }> {
    const board = `declared-${++boards}`;
    expect((await api('POST', '/api/tasks', { title: 'victim task', board })).status).toBe(201);
    const claimed = await api('POST', '/api/claims', { worker: 'intruder', pid, ttl_seconds: ttlSeconds, board }, workerToken);
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    return claimed.body as { task: Task; run: Run };
  }

  function startVictim(): ReturnType<Children['spawn']> {
    // Detached: it leads its own process group, as a container's or a daemon's process would.
    return children.spawn('sleep', ['30'], { detached: true });
  }

  async function expectStillAlive(victim: ReturnType<Children['spawn']>): Promise<void> {
    // A signal, had one been sent, acts at once; give it time to have shown.
    await sleep(300);
    expect(victim.exitCode).toBeNull();
    expect(victim.signalCode).toBeNull();
    expect(readProcessStartTime(victim.pid)).not.toBeNull();
  }

  async function signalEvents(runId: number): Promise<EventRow[]> {
    return (await pb.store.listEvents({ run_id: runId })).filter((e) => e.kind.startsWith('signal_'));
  }

  /** Nothing sent; the one signal asked for is written down as refused, with the reason. */
  async function expectOnlyRefused(runId: number, pid: number): Promise<void> {
    const events = await signalEvents(runId);
    expect(events.map((e) => [e.kind, e.payload.pid, e.payload.refusal])).toEqual([
      ['signal_refused', pid, 'declared pid: not started by this server'],
    ]);
  }

  it('marks the run declared and shows the run without it', async () => {
    const victim = startVictim();
    const { run } = await claimNaming(victim.pid);
    expect(run.worker_origin).toBe('declared');
    const shown = await api('GET', `/api/runs/${run.id}`);
    expect(shown.body.run.worker_origin).toBe('declared');
    const active = await api('GET', '/api/workers/active');
    expect(active.body.workers.find((w: { run_id: number }) => w.run_id === run.id).worker_origin).toBe('declared');
  });

  it('a lapsed lease reclaims the run and leaves the named process alone', async () => {
    const victim = startVictim();
    const { run, task } = await claimNaming(victim.pid, 1);
    await waitFor(async () => (await pb.store.getRun(run.id))?.outcome === 'reclaimed', 'the reaper to reclaim the run');
    await expectStillAlive(victim);
    expect((await pb.store.getTask(task.id))?.status).toBe('ready');
    await expectOnlyRefused(run.id, victim.pid);
  });

  it('terminate fences the run instead of signalling, and says so', async () => {
    const victim = startVictim();
    const { run, task } = await claimNaming(victim.pid);
    const answer = await api('POST', `/api/runs/${run.id}/terminate`, { grace_seconds: 0 });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true, run_id: run.id, task_id: task.id, terminated: false, signal: null, stopped_by: 'fence' });
    await expectStillAlive(victim);
    const late = await api('POST', `/api/runs/${run.id}/heartbeat`, { claim_token: run.claim_token }, workerToken);
    expect(late.status).toBe(409);
    expect((await pb.store.getRun(run.id))?.outcome).toBe('terminated');
    await expectOnlyRefused(run.id, victim.pid);
  });

  it('PATCH to blocked and reclaim stop the run, not the process', async () => {
    const victim = startVictim();
    const first = await claimNaming(victim.pid);
    const patched = await api('PATCH', `/api/tasks/${first.task.id}`, { status: 'blocked' });
    expect(patched.status).toBe(200);
    expect(patched.body.task.status).toBe('blocked');
    expect((await pb.store.getRun(first.run.id))?.outcome).toBe('terminated');

    const second = await claimNaming(victim.pid);
    const reclaimed = await api('POST', `/api/tasks/${second.task.id}/reclaim`, {});
    expect(reclaimed.status).toBe(200);
    expect((await pb.store.getRun(second.run.id))?.outcome).toBe('reclaimed');
    await expectStillAlive(victim);
    for (const run of [first.run, second.run]) await expectOnlyRefused(run.id, victim.pid);
  });

  it("inspect shows a declared pid's harmless figures but not its command line", async () => {
    const victim = children.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '--', '--db-password=hunter2'], {
      detached: true,
    });
    await waitFor(() => (readProcessStartTime(victim.pid) ?? 0) > 0, 'the victim to start');
    const { run } = await claimNaming(victim.pid);
    const look = await api('GET', `/api/runs/${run.id}/inspect`);
    expect(look.status).toBe(200);
    expect(look.body).toMatchObject({ run_id: run.id, alive: true, pid: victim.pid, worker_origin: 'declared' });
    expect(look.body).not.toHaveProperty('cmdline');
    expect(JSON.stringify(look.body)).not.toContain('hunter2');
    for (const figure of ['cpu_percent', 'memory_rss_bytes', 'num_threads', 'status', 'create_time']) {
      expect(look.body).toHaveProperty(figure);
    }
  });

  it("a claim naming the server's own pid is reclaimed and never signals the server", async () => {
    const { run } = await claimNaming(process.pid, 1);
    await waitFor(async () => (await pb.store.getRun(run.id))?.outcome === 'reclaimed', 'the reaper to reclaim the run');
    await sleep(300);
    await expectOnlyRefused(run.id, process.pid);
    expect((await api('GET', '/healthz')).status).toBe(200);
  });
});
