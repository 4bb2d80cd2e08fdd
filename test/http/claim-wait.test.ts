import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run, Task } from '../../src/core/types.js';
import { waitFor } from '../sdk/helpers.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('POST /api/claims with wait_seconds (held claims)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  const waiting = () => h.app.claimWaiters.count;

  function heldClaim(board: string, waitSeconds: number, signal?: AbortSignal): Promise<Response> {
    return fetch(`${h.base}/api/claims`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.worker}`, 'content-type': 'application/json' },
      body: JSON.stringify({ worker: h.workerName, board, wait_seconds: waitSeconds }),
      ...(signal ? { signal } : {}),
    });
  }

  it('answers with a task created while it waited, long before its deadline', async () => {
    const answer = heldClaim('late', 30);
    await waitFor(() => waiting() === 1, 10_000, 'the claim to wait');
    const created = await h.api('POST', '/api/tasks', { body: { title: 'late one', board: 'late' } });
    const task = bodyOf<{ task: Task }>(created).task;
    const response = await answer;
    expect(response.status).toBe(200);
    const claimed = (await response.json()) as { task: Task; run: Run };
    expect(claimed.task.id).toBe(task.id);
    expect(claimed.run.claim_token).toEqual(expect.any(String));
    expect(waiting()).toBe(0);
  });

  it('is woken by a requeue too', async () => {
    await h.api('POST', '/api/tasks', { body: { title: 'retry me', board: 'requeue' } });
    const first = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'requeue' } });
    const { task } = bodyOf<{ task: Task }>(first);
    const answer = heldClaim('requeue', 30);
    await waitFor(() => waiting() === 1, 10_000, 'the claim to wait');
    expect((await h.api('POST', `/api/tasks/${task.id}/reclaim`, { token: h.tokens.operator })).status).toBe(200);
    const response = await answer;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { task: Task }).task.id).toBe(task.id);
  });

  it('answers 204 at its deadline when nothing became ready', async () => {
    const started = Date.now();
    const response = await heldClaim('never', 0.5);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    // The deadline is a timer: it cannot answer before it, and answers well within a loaded machine's slack.
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(waiting()).toBe(0);
  });

  it('wait_seconds 0, or none, answers at once as before', async () => {
    const zero = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'none', wait_seconds: 0 } });
    expect(zero.status).toBe(204);
    const absent = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'none' } });
    expect(absent.status).toBe(204);
  });

  it('a client that goes away releases its wait and the feed listener, and claims nothing', async () => {
    const controller = new AbortController();
    const answer = heldClaim('gone', 30, controller.signal).catch((err: unknown) => err);
    await waitFor(() => waiting() === 1 && h.app.eventFeed.listenerCount === 1, 10_000, 'the claim to wait');
    controller.abort();
    await answer;
    await waitFor(() => waiting() === 0 && !h.app.claimWaiters.attached && h.app.eventFeed.listenerCount === 0, 10_000, 'the wait to end');
    const created = await h.api('POST', '/api/tasks', { body: { title: 'nobody takes me', board: 'gone' } });
    const task = bodyOf<{ task: Task }>(created).task;
    const detail = await h.api('GET', `/api/tasks/${task.id}`);
    expect(bodyOf<{ task: Task }>(detail).task.status).toBe('ready');
    expect(h.app.eventFeed.clientCount).toBe(0);
  });

  it('out-of-range or malformed wait_seconds is 400 naming the field', async () => {
    for (const value of [-1, 31, '5', null]) {
      const answer = await h.api('POST', '/api/claims', {
        token: h.tokens.worker,
        body: { worker: h.workerName, board: 'bad', wait_seconds: value },
      });
      expect(answer.status, JSON.stringify(value)).toBe(400);
      expect(bodyOf<{ detail: string }>(answer).detail).toContain('wait_seconds');
    }
    expect(waiting()).toBe(0);
  });

  it('role and speaker rules answer at once, before any wait', async () => {
    const asViewer = await h.api('POST', '/api/claims', { token: h.tokens.viewer, body: { worker: h.workerName, wait_seconds: 30 } });
    expect(asViewer.status).toBe(403);
    const asOther = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: 'someone-else', wait_seconds: 30 } });
    expect(asOther.status).toBe(403);
    const runToken = await h.tokenFor('worker', h.workerName, 1);
    const asRun = await h.api('POST', '/api/claims', { token: runToken, body: { worker: h.workerName, wait_seconds: 30 } });
    expect(asRun.status).toBe(403);
    const noToken = await h.api('POST', '/api/claims', { token: null, body: { worker: h.workerName, wait_seconds: 30 } });
    expect(noToken.status).toBe(401);
    expect(waiting()).toBe(0);
  });

  it('one new task answers one of several identical waiting claims; the rest keep waiting', async () => {
    const controller = new AbortController();
    const answered: number[] = [];
    const answers = Array.from({ length: 3 }, () =>
      heldClaim('crowd', 30, controller.signal).then(
        (response) => answered.push(response.status),
        () => null,
      ),
    );
    await waitFor(() => waiting() === 3, 10_000, 'three claims to wait');
    await h.api('POST', '/api/tasks', { body: { title: 'only one', board: 'crowd' } });
    await waitFor(() => answered.length === 1, 10_000, 'one claim to be answered');
    expect(answered).toEqual([200]);
    expect(waiting()).toBe(2);
    controller.abort();
    await Promise.all(answers);
    expect(answered).toEqual([200]);
    await waitFor(() => waiting() === 0, 10_000, 'the others to end');
  });
});

describe('held claims and server close', () => {
  it('closing the server answers a held claim 204 at once', async () => {
    const h = await startHarness();
    const answer = fetch(`${h.base}/api/claims`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.worker}`, 'content-type': 'application/json' },
      body: JSON.stringify({ worker: h.workerName, board: 'closing', wait_seconds: 30 }),
    });
    await waitFor(() => h.app.claimWaiters.count === 1, 10_000, 'the claim to wait');
    const started = Date.now();
    await h.close();
    expect((await answer).status).toBe(204);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
