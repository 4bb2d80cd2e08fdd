import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../src/core/types.js';
import { bodyOf, startHarness } from '../http/harness.js';
import type { Harness } from '../http/harness.js';

describe('a run is bound to the worker that claimed it', () => {
  let h: Harness;
  let other: string;
  beforeAll(async () => {
    h = await startHarness();
    other = await h.tokenFor('worker', 'w2');
  });
  afterAll(async () => {
    await h.close();
  });

  async function claimedByW1(board: string): Promise<Run> {
    await h.api('POST', '/api/tasks', { body: { title: 'mine', board } });
    const claimed = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board } });
    expect(claimed.status).toBe(200);
    return bodyOf<{ run: Run }>(claimed).run;
  }

  it("another worker's token holding the claim_token may neither heartbeat nor complete the run", async () => {
    const run = await claimedByW1('bind-1');
    const beat = await h.api('POST', `/api/runs/${run.id}/heartbeat`, { token: other, body: { claim_token: run.claim_token } });
    expect(beat.status).toBe(403);
    expect(bodyOf(beat).detail).toBe(`run ${run.id} belongs to worker w1, not to w2`);
    const done = await h.api('POST', `/api/runs/${run.id}/complete`, {
      token: other,
      body: { claim_token: run.claim_token, outcome: 'completed', result: { stolen: true } },
    });
    expect(done.status).toBe(403);
    expect(bodyOf(done)).toEqual({ detail: `run ${run.id} belongs to worker w1, not to w2` });
    // Nothing changed: the run is still live and its own worker completes it.
    expect((await h.store.getRun(run.id))?.ended_at).toBeNull();
    const own = await h.api('POST', `/api/runs/${run.id}/complete`, {
      token: h.tokens.worker,
      body: { claim_token: run.claim_token, outcome: 'completed', result: { mine: true } },
    });
    expect(own.status).toBe(200);
    expect((await h.store.getTask(run.task_id))?.result).toEqual({ mine: true });
  });

  it('the same holds for a run claimed past this server (straight on the store, as another server or process would) and for one claimed with a completion', async () => {
    await h.api('POST', '/api/tasks', { body: { title: 'elsewhere', board: 'bind-3' } });
    const elsewhere = await h.store.claim({ worker: h.workerName, host: 'another-host', ttl_seconds: 30, board: 'bind-3' });
    if (!elsewhere) throw new Error('nothing to claim');
    const beat = await h.api('POST', `/api/runs/${elsewhere.run.id}/heartbeat`, { token: other, body: { claim_token: elsewhere.run.claim_token } });
    expect(beat.status).toBe(403);
    await h.api('POST', '/api/tasks', { body: { title: 'next', board: 'bind-3' } });
    const done = await h.api('POST', `/api/runs/${elsewhere.run.id}/complete`, {
      token: h.tokens.worker,
      body: { claim_token: elsewhere.run.claim_token, outcome: 'completed', claim_next: { worker: h.workerName, board: 'bind-3' } },
    });
    expect(done.status).toBe(200);
    const next = bodyOf<{ next: { run: Run } }>(done).next.run;
    const stolen = await h.api('POST', `/api/runs/${next.id}/heartbeat`, { token: other, body: { claim_token: next.claim_token } });
    expect(stolen.status).toBe(403);
    expect(bodyOf(stolen).detail).toBe(`run ${next.id} belongs to worker w1, not to w2`);
  });

  it('an unknown run is still 404, and an admin may act on any run', async () => {
    const unknown = await h.api('POST', '/api/runs/987654/heartbeat', { token: other, body: { claim_token: 'x'.repeat(32) } });
    expect(unknown.status).toBe(404);
    const run = await claimedByW1('bind-2');
    const beat = await h.api('POST', `/api/runs/${run.id}/heartbeat`, { token: h.tokens.admin, body: { claim_token: run.claim_token } });
    expect(beat.status).toBe(200);
  });
});
