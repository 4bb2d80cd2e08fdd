import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicRun, Task } from '../../src/core/types.js';
import { startE2eServer, waitFor } from './helpers.js';
import type { E2eServer } from './helpers.js';

type ClaimedRun = { task: Task; run: PublicRun & { claim_token: string } };

let t: E2eServer;
beforeAll(async () => {
  t = await startE2eServer();
});
afterAll(async () => {
  await t?.close();
});

describe('fencing over HTTP against the server reaper', () => {
  it('a reclaimed run cannot heartbeat or complete; the newer run is untouched and its last_heartbeat_at is its own', async () => {
    const first = await t.tokenFor('worker', 'first');
    const second = await t.tokenFor('worker', 'second');
    const created = await t.api<{ task: Task }>('POST', '/api/tasks', { body: { title: 'fenced', board: 'fence' } });
    expect(created.status).toBe(201);
    const taskId = created.body.task.id;

    // A one-second lease that nobody renews: the server's own reaper must reclaim it.
    const claimA = await t.api<ClaimedRun>('POST', '/api/claims', { token: first, body: { worker: 'first', ttl_seconds: 1, board: 'fence' } });
    expect(claimA.status).toBe(200);
    const a = claimA.body.run;
    expect(claimA.body.task.id).toBe(taskId);

    const reclaimed = await waitFor(async () => {
      const { body } = await t.api<{ run: PublicRun }>('GET', `/api/runs/${a.id}`);
      return body.run.outcome === 'reclaimed' ? body.run : undefined;
    }, 'the reaper to reclaim the first run');
    expect(reclaimed.ended_at).not.toBeNull();

    const claimB = await t.api<ClaimedRun>('POST', '/api/claims', { token: second, body: { worker: 'second', ttl_seconds: 60, board: 'fence' } });
    expect(claimB.status).toBe(200);
    const b = claimB.body.run;
    expect(claimB.body.task.id).toBe(taskId);
    expect(b.id).not.toBe(a.id);
    expect(b.worker).toBe('second');
    expect(b.last_heartbeat_at).toBeGreaterThanOrEqual(b.started_at);
    expect(b.last_heartbeat_at).not.toBe(a.last_heartbeat_at);
    expect(b.last_heartbeat_at).not.toBe(reclaimed.last_heartbeat_at);
    const bBefore = (await t.api<{ run: PublicRun }>('GET', `/api/runs/${b.id}`)).body.run;

    // The old worker's late calls are refused, on its own run and on the newer one alike.
    const lateBeat = await t.api<{ detail: string }>('POST', `/api/runs/${a.id}/heartbeat`, { token: first, body: { claim_token: a.claim_token } });
    expect(lateBeat.status).toBe(409);
    expect(lateBeat.body.detail).toMatch(/reclaimed/);
    const lateComplete = await t.api('POST', `/api/runs/${a.id}/complete`, {
      token: first,
      body: { claim_token: a.claim_token, outcome: 'completed', summary: 'too late' },
    });
    expect(lateComplete.status).toBe(409);
    // The newer run is another worker's: its token may not touch it at all (403), whatever it sends.
    const wrongBeat = await t.api('POST', `/api/runs/${b.id}/heartbeat`, { token: first, body: { claim_token: a.claim_token } });
    expect(wrongBeat.status).toBe(403);
    const wrongComplete = await t.api('POST', `/api/runs/${b.id}/complete`, {
      token: first,
      body: { claim_token: a.claim_token, outcome: 'completed' },
    });
    expect(wrongComplete.status).toBe(403);
    expect((await t.api<{ run: PublicRun }>('GET', `/api/runs/${b.id}`)).body.run).toEqual(bBefore);
    expect((await t.api<{ task: Task }>('GET', `/api/tasks/${taskId}`)).body.task).toMatchObject({
      status: 'running',
      current_run_id: b.id,
    });

    const beat = await t.api<{ claim_expires: number }>('POST', `/api/runs/${b.id}/heartbeat`, { token: second, body: { claim_token: b.claim_token } });
    expect(beat.status).toBe(200);
    expect(beat.body.claim_expires).toBeGreaterThanOrEqual(b.claim_expires);
    const done = await t.api<{ run: PublicRun; task: Task }>('POST', `/api/runs/${b.id}/complete`, {
      token: second,
      body: { claim_token: b.claim_token, outcome: 'completed', result: { by: 'second' } },
    });
    expect(done.status).toBe(200);
    expect(done.body.run).toMatchObject({ id: b.id, outcome: 'completed' });
    expect(done.body.task).toMatchObject({ status: 'done', result: { by: 'second' } });

    // Nor can the old worker undo the newer outcome afterwards.
    const lateFail = await t.api('POST', `/api/runs/${a.id}/complete`, { token: first, body: { claim_token: a.claim_token, outcome: 'failed' } });
    expect(lateFail.status).toBe(409);
    const detail = await t.api<{ task: Task; runs: PublicRun[] }>('GET', `/api/tasks/${taskId}`);
    expect(detail.body.task.status).toBe('done');
    expect(detail.body.runs.map((r) => [r.id, r.outcome]).sort()).toEqual([
      [a.id, 'reclaimed'],
      [b.id, 'completed'],
    ]);
  }, 30_000);
});
