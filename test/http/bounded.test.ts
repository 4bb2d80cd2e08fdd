import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/types.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';
import { openSse } from './sse-client.js';

const HELD_CLAIMS = 3;
const STREAMS = 2;

describe('bounded resources per token and per request', { timeout: 60_000 }, () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ settings: { held_claims_per_token: HELD_CLAIMS, event_streams_per_token: STREAMS } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('a token holds at most N waiting claims; the next is 429 {detail}; a freed slot is usable again', async () => {
    const controllers = Array.from({ length: HELD_CLAIMS }, () => new AbortController());
    const held = controllers.map((controller) =>
      fetch(`${h.base}/api/claims`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens.worker}`, 'content-type': 'application/json' },
        body: JSON.stringify({ worker: h.workerName, board: 'held', wait_seconds: 20 }),
        signal: controller.signal,
      }).catch(() => null),
    );
    await expect.poll(() => h.app.claimWaiters.count).toBe(HELD_CLAIMS);
    const refused = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'held', wait_seconds: 5 } });
    expect(refused.status).toBe(429);
    expect(String(bodyOf(refused).detail)).toContain(`${HELD_CLAIMS} waiting claims`);
    // A claim that does not wait holds nothing, and another token has its own allowance.
    expect((await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'held' } })).status).toBe(204);
    const other = await h.tokenFor('worker', 'w2');
    expect((await h.api('POST', '/api/claims', { token: other, body: { worker: 'w2', board: 'held', wait_seconds: 0.2 } })).status).toBe(204);

    controllers[0]!.abort();
    await held[0];
    await expect.poll(() => h.app.claimWaiters.count).toBe(HELD_CLAIMS - 1);
    const again = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'held', wait_seconds: 0.2 } });
    expect(again.status).toBe(204);
    for (const c of controllers) c.abort();
    await Promise.all(held);
  });

  it('a token holds at most N event streams; the next is 429; closing one frees its place', async () => {
    const open = () => openSse(`${h.base}/api/events`, { authorization: `Bearer ${h.tokens.viewer}` });
    const streams = await Promise.all(Array.from({ length: STREAMS }, open));
    expect(streams.map((s) => s.status)).toEqual(Array(STREAMS).fill(200));
    const refused = await h.api('GET', '/api/events', { token: h.tokens.viewer });
    expect(refused.status).toBe(429);
    expect(String(bodyOf(refused).detail)).toContain('event streams');
    streams[0]!.close();
    await expect.poll(async () => {
      const probe = await open();
      probe.close();
      return probe.status;
    }).toBe(200);
    for (const s of streams) s.close();
  });

  it('GET /api/tasks/:id pages its events, newest first page, older pages by events_before', async () => {
    const task = bodyOf<{ task: Task }>(await h.api('POST', '/api/tasks', { body: { title: 'history', board: 'paged' } })).task;
    for (let i = 1; i <= 24; i++) await h.api('PATCH', `/api/tasks/${task.id}`, { body: { priority: i } });
    type Detail = { events: { id: number; kind: string }[]; events_before_next: number | null };
    const seen: number[] = [];
    let before: number | null = null;
    let pages = 0;
    do {
      const page: Detail = bodyOf<Detail>(
        await h.api('GET', `/api/tasks/${task.id}?events_limit=10${before === null ? '' : `&events_before=${before}`}`),
      );
      const ids = page.events.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      seen.unshift(...ids);
      before = page.events_before_next;
      pages++;
    } while (before !== null);
    expect(pages).toBe(3);
    const all = (await h.store.listEvents({ task_id: task.id })).map((e) => e.id);
    expect(seen).toEqual(all);
    expect((await h.api('GET', `/api/tasks/${task.id}?events_limit=1001`)).status).toBe(400);
    expect((await h.api('GET', `/api/tasks/${task.id}?events_limit=0`)).status).toBe(400);
    expect((await h.api('GET', `/api/tasks/${task.id}?events_before=x`)).status).toBe(400);
  });

  it('oversized progress and results are 400 {detail} and write nothing', async () => {
    await h.api('POST', '/api/tasks', { body: { title: 'big progress', board: 'sizes' } });
    const claimed = bodyOf<{ run: { id: number; claim_token: string } }>(
      await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'sizes' } }),
    );
    const before = await h.store.lastEventId();
    const progress = await h.api('POST', `/api/runs/${claimed.run.id}/heartbeat`, {
      token: h.tokens.worker,
      body: { claim_token: claimed.run.claim_token, progress: { blob: 'x'.repeat(100_000) } },
    });
    expect(progress.status).toBe(400);
    expect(String(bodyOf(progress).detail)).toContain('progress');
    const result = await h.api('POST', `/api/runs/${claimed.run.id}/complete`, {
      token: h.tokens.worker,
      body: { claim_token: claimed.run.claim_token, outcome: 'completed', result: { blob: 'x'.repeat(200_000) } },
    });
    expect(result.status).toBe(400);
    expect(await h.store.lastEventId()).toBe(before);
  });
});
