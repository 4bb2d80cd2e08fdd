import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActiveRun, Run, Task } from '../../src/core/types.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('claims, heartbeats, completion and runs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function claimOn(board: string, extra: Record<string, unknown> = {}): Promise<{ task: Task; run: Run }> {
    await h.api('POST', '/api/tasks', { body: { title: `work on ${board}`, board } });
    const answer = await h.api('POST', '/api/claims', {
      token: h.tokens.worker,
      body: { worker: h.workerName, board, ...extra },
    });
    expect(answer.status, answer.text).toBe(200);
    return bodyOf<{ task: Task; run: Run }>(answer);
  }

  it('a claim returns the task running and the run with its claim_token; then 204', async () => {
    const { task, run } = await claimOn('claims', { ttl_seconds: 60 });
    expect(task.status).toBe('running');
    expect(run).toMatchObject({ task_id: task.id, worker: h.workerName, host: h.hostname, outcome: null, worker_pid: null });
    expect(run.claim_token).toEqual(expect.any(String));
    expect(run.claim_expires - run.started_at).toBeCloseTo(60, 0);
    const none = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'claims' } });
    expect(none.status).toBe(204);
    expect(none.text).toBe('');
  });

  it('a claim from this host with a pid records the process start time read from the OS', async () => {
    const { run } = await claimOn('pids', { pid: process.pid });
    expect(run.worker_pid).toBe(process.pid);
    expect(run.worker_started_at).toBeGreaterThan(1_600_000_000);
    expect(run.worker_started_at).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it('a claim naming another host records no start time (it cannot be read from here)', async () => {
    const { run } = await claimOn('remote', { pid: 1234, host: 'elsewhere.example' });
    expect(run).toMatchObject({ host: 'elsewhere.example', worker_pid: 1234, worker_started_at: null });
  });

  it('GET /api/runs/:id never carries the claim_token; bad ids 400, unknown 404', async () => {
    const { run } = await claimOn('show');
    const answer = await h.api('GET', `/api/runs/${run.id}`, { token: h.tokens.viewer });
    expect(answer.status).toBe(200);
    expect(answer.text).not.toContain('claim_token');
    expect(answer.text).not.toContain(run.claim_token);
    expect(bodyOf<{ run: Run }>(answer).run).toMatchObject({ id: run.id, task_id: run.task_id });
    for (const bad of ['1.5', '-1', 'abc', '01', '0', '99999999999999999']) {
      expect((await h.api('GET', `/api/runs/${bad}`)).status, bad).toBe(400);
    }
    const unknown = await h.api('GET', '/api/runs/999999');
    expect(unknown.status).toBe(404);
    expect(bodyOf(unknown).detail).toBe('run 999999 not found');
  });

  it('heartbeat extends the lease and marks progress; a wrong token is 409', async () => {
    const { run } = await claimOn('beats', { ttl_seconds: 30 });
    const beat = await h.api('POST', `/api/runs/${run.id}/heartbeat`, {
      token: h.tokens.worker,
      body: { claim_token: run.claim_token, progress: { step: 2 }, note: 'halfway' },
    });
    expect(beat.status, beat.text).toBe(200);
    expect(bodyOf<{ claim_expires: number }>(beat).claim_expires).toBeGreaterThanOrEqual(run.claim_expires);
    const stored = await h.store.getRun(run.id);
    expect(stored?.last_progress_at).not.toBeNull();
    const forged = await h.api('POST', `/api/runs/${run.id}/heartbeat`, {
      token: h.tokens.worker,
      body: { claim_token: 'not-the-token' },
    });
    expect(forged.status).toBe(409);
    expect(bodyOf(forged).detail).toContain(`run ${run.id}`);
  });

  it('complete ends the run and the task; a late heartbeat or second completion is 409', async () => {
    const { run, task } = await claimOn('complete');
    const done = await h.api('POST', `/api/runs/${run.id}/complete`, {
      token: h.tokens.worker,
      body: { claim_token: run.claim_token, outcome: 'completed', summary: 'all good', result: { n: 1 } },
    });
    expect(done.status, done.text).toBe(200);
    expect(done.text).not.toContain('claim_token');
    const ended = bodyOf<{ run: Run; task: Task }>(done);
    expect(ended.run.outcome).toBe('completed');
    expect(ended.task).toMatchObject({ id: task.id, status: 'done', result: { n: 1 } });
    const late = await h.api('POST', `/api/runs/${run.id}/heartbeat`, { token: h.tokens.worker, body: { claim_token: run.claim_token } });
    expect(late.status).toBe(409);
    const again = await h.api('POST', `/api/runs/${run.id}/complete`, {
      token: h.tokens.worker,
      body: { claim_token: run.claim_token, outcome: 'completed' },
    });
    expect(again.status).toBe(409);
  });

  it('complete validates its outcome', async () => {
    const { run } = await claimOn('outcome');
    const answer = await h.api('POST', `/api/runs/${run.id}/complete`, {
      token: h.tokens.worker,
      body: { claim_token: run.claim_token, outcome: 'terminated' },
    });
    expect(answer.status).toBe(400);
    expect(bodyOf(answer).detail).toContain('body.outcome must be one of');
  });

  it('a per-run token touches only its own run and cannot claim', async () => {
    const first = await claimOn('per-run-a');
    const second = await claimOn('per-run-b');
    const perRun = await h.tokenFor('worker', h.workerName, first.run.id);
    const own = await h.api('POST', `/api/runs/${first.run.id}/heartbeat`, { token: perRun, body: { claim_token: first.run.claim_token } });
    expect(own.status).toBe(200);
    const foreign = await h.api('POST', `/api/runs/${second.run.id}/heartbeat`, {
      token: perRun,
      body: { claim_token: second.run.claim_token },
    });
    expect(foreign.status).toBe(403);
    const claim = await h.api('POST', '/api/claims', { token: perRun, body: { worker: h.workerName } });
    expect(claim.status).toBe(403);
  });

  it('claims and heartbeats are counted in /metrics', async () => {
    const count = async (name: string) => {
      const text = (await h.api('GET', '/metrics', { token: null })).text;
      return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);
    };
    const claimsBefore = await count('pulseboard_claims_total');
    const beatsBefore = await count('pulseboard_run_heartbeats_total');
    const { run } = await claimOn('metrics');
    await h.api('POST', `/api/runs/${run.id}/heartbeat`, { token: h.tokens.worker, body: { claim_token: run.claim_token } });
    expect(await count('pulseboard_claims_total')).toBe(claimsBefore + 1);
    expect(await count('pulseboard_run_heartbeats_total')).toBe(beatsBefore + 1);
    expect(await count('pulseboard_active_runs')).toBeGreaterThanOrEqual(1);
  });

  it('GET /api/workers/active lists live runs with their state, all boards or one', async () => {
    const { run } = await claimOn('active-a');
    await claimOn('active-b');
    const all = bodyOf<{ workers: ActiveRun[]; count: number; checked_at: number }>(await h.api('GET', '/api/workers/active'));
    expect(all.count).toBe(all.workers.length);
    expect(all.workers.map((w) => w.board)).toEqual(expect.arrayContaining(['active-a', 'active-b']));
    const one = bodyOf<{ workers: ActiveRun[] }>(await h.api('GET', '/api/workers/active?board=active-a', { token: h.tokens.viewer }));
    expect(one.workers).toHaveLength(1);
    expect(one.workers[0]).toMatchObject({ run_id: run.id, board: 'active-a', task_status: 'running', state: 'healthy' });
    expect(JSON.stringify(one)).not.toContain('claim_token');
  });

  it('GET /api/workers/active answered twice unchanged, then after a heartbeat and a completion, shows each change', async () => {
    const { run } = await claimOn('active-fresh');
    const list = async () =>
      bodyOf<{ workers: ActiveRun[]; count: number; checked_at: number }>(await h.api('GET', '/api/workers/active?board=active-fresh'));
    const first = await list();
    const again = await list();
    expect(again.workers).toEqual(first.workers);
    expect(again.count).toBe(1);
    expect(again.checked_at).toBeGreaterThanOrEqual(first.checked_at);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const beat = bodyOf<{ claim_expires: number }>(
      await h.api('POST', `/api/runs/${run.id}/heartbeat`, { token: h.tokens.worker, body: { claim_token: run.claim_token, progress: 0.5 } }),
    );
    const beaten = await list();
    expect(beaten.workers[0]).toMatchObject({ run_id: run.id, claim_expires: beat.claim_expires });
    expect(beaten.workers[0]!.last_progress_at).not.toBeNull();
    expect(beaten.workers[0]!.last_heartbeat_at).toBeGreaterThan(first.workers[0]!.last_heartbeat_at);
    await h.api('POST', `/api/runs/${run.id}/complete`, { token: h.tokens.worker, body: { claim_token: run.claim_token, outcome: 'completed' } });
    expect(await list()).toMatchObject({ workers: [], count: 0 });
  });
});
