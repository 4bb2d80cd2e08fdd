import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicRun, Run, Task } from '../../src/core/types.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

type Claimed = { task: Task; run: Run };

describe('POST /api/runs/:id/complete with claim_next, POST /api/tasks/batch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function claimOn(board: string): Promise<Claimed> {
    const answer = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board } });
    expect(answer.status, answer.text).toBe(200);
    return bodyOf<Claimed>(answer);
  }

  const taskIds = async (board: string) => (await h.store.listTasks({ board })).map((t) => [t.id, t.status]);

  describe('complete with claim_next', () => {
    it('completes the run and answers the next task with its run and claim_token', async () => {
      await h.api('POST', '/api/tasks', { body: { title: 'one', board: 'fused', priority: 2 } });
      const second = bodyOf<{ task: Task }>(await h.api('POST', '/api/tasks', { body: { title: 'two', board: 'fused' } })).task;
      const first = await claimOn('fused');
      const answer = await h.api('POST', `/api/runs/${first.run.id}/complete`, {
        token: h.tokens.worker,
        body: { claim_token: first.run.claim_token, outcome: 'completed', result: { ok: 1 }, claim_next: { worker: h.workerName, board: 'fused', ttl_seconds: 45 } },
      });
      expect(answer.status, answer.text).toBe(200);
      const body = bodyOf<{ run: PublicRun; task: Task; next: Claimed | null }>(answer);
      expect(body.run).toMatchObject({ id: first.run.id, outcome: 'completed' });
      expect(body.run).not.toHaveProperty('claim_token');
      expect(body.task).toMatchObject({ id: first.task.id, status: 'done', result: { ok: 1 } });
      expect(body.next?.task).toMatchObject({ id: second.id, status: 'running' });
      expect(body.next?.run).toMatchObject({ task_id: second.id, worker: h.workerName, host: h.hostname });
      expect(body.next!.run.claim_expires - body.next!.run.started_at).toBeCloseTo(45, 0);
      expect(body.next?.run.claim_token).toEqual(expect.any(String));
      // The claimed run is the worker's own: its token works.
      const beat = await h.api('POST', `/api/runs/${body.next!.run.id}/heartbeat`, {
        token: h.tokens.worker,
        body: { claim_token: body.next!.run.claim_token },
      });
      expect(beat.status).toBe(200);

      const last = await h.api('POST', `/api/runs/${body.next!.run.id}/complete`, {
        token: h.tokens.worker,
        body: { claim_token: body.next!.run.claim_token, outcome: 'completed', claim_next: { worker: h.workerName, board: 'fused' } },
      });
      expect(last.status, last.text).toBe(200);
      expect(bodyOf<{ next: unknown }>(last).next).toBeNull();
    });

    it('without claim_next the answer is {run, task} as before', async () => {
      await h.api('POST', '/api/tasks', { body: { title: 'plain', board: 'plain-complete' } });
      const c = await claimOn('plain-complete');
      const answer = await h.api('POST', `/api/runs/${c.run.id}/complete`, {
        token: h.tokens.worker,
        body: { claim_token: c.run.claim_token, outcome: 'completed' },
      });
      expect(answer.status).toBe(200);
      expect(Object.keys(bodyOf(answer)).sort()).toEqual(['run', 'task']);
    });

    it('a refused completion is 409 and claims nothing', async () => {
      await h.api('POST', '/api/tasks', { body: { title: 'held', board: 'fused-409', priority: 1 } });
      await h.api('POST', '/api/tasks', { body: { title: 'waiting', board: 'fused-409' } });
      const c = await claimOn('fused-409');
      const before = await taskIds('fused-409');
      const events = await h.store.lastEventId();
      const answer = await h.api('POST', `/api/runs/${c.run.id}/complete`, {
        token: h.tokens.worker,
        body: { claim_token: 'forged-token', outcome: 'completed', claim_next: { worker: h.workerName, board: 'fused-409' } },
      });
      expect(answer.status).toBe(409);
      expect(await taskIds('fused-409')).toEqual(before);
      expect(before.map(([, status]) => status).sort()).toEqual(['ready', 'running']);
      expect(await h.store.lastEventId()).toBe(events);
    });

    it('claim_next follows the rules of POST /api/claims: 403 for another worker or a per-run token, run left live', async () => {
      await h.api('POST', '/api/tasks', { body: { title: 'a', board: 'fused-auth', priority: 1 } });
      await h.api('POST', '/api/tasks', { body: { title: 'b', board: 'fused-auth' } });
      const c = await claimOn('fused-auth');
      const perRun = await h.tokenFor('worker', h.workerName, c.run.id);
      const asOther = await h.api('POST', `/api/runs/${c.run.id}/complete`, {
        token: h.tokens.worker,
        body: { claim_token: c.run.claim_token, outcome: 'completed', claim_next: { worker: 'someone-else' } },
      });
      expect(asOther.status).toBe(403);
      const fromChild = await h.api('POST', `/api/runs/${c.run.id}/complete`, {
        token: perRun,
        body: { claim_token: c.run.claim_token, outcome: 'completed', claim_next: { worker: h.workerName } },
      });
      expect(fromChild.status).toBe(403);
      const viewer = await h.api('POST', `/api/runs/${c.run.id}/complete`, {
        token: h.tokens.viewer,
        body: { claim_token: c.run.claim_token, outcome: 'completed', claim_next: { worker: h.workerName } },
      });
      expect(viewer.status).toBe(403);
      expect((await h.store.getRun(c.run.id))?.ended_at).toBeNull();
      expect((await h.store.listTasks({ board: 'fused-auth', status: 'ready' })).length).toBe(1);
      const bad = await h.api('POST', `/api/runs/${c.run.id}/complete`, {
        token: h.tokens.worker,
        body: { claim_token: c.run.claim_token, outcome: 'completed', claim_next: { worker: h.workerName, ttl_seconds: -1 } },
      });
      expect(bad.status).toBe(400);
      expect((await h.store.getRun(c.run.id))?.ended_at).toBeNull();
    });
  });

  describe('POST /api/tasks/batch', () => {
    it('creates every task in order, #n naming an earlier one; 201', async () => {
      const answer = await h.api('POST', '/api/tasks/batch', {
        token: h.tokens.operator,
        body: { tasks: [{ title: 'root', board: 'batch' }, { title: 'leaf', board: 'batch', parents: ['#0'], priority: 4 }] },
      });
      expect(answer.status, answer.text).toBe(201);
      const { tasks } = bodyOf<{ tasks: Task[] }>(answer);
      expect(tasks.map((t) => [t.title, t.status])).toEqual([
        ['root', 'ready'],
        ['leaf', 'todo'],
      ]);
      expect(tasks[1]?.parents).toEqual([tasks[0]?.id]);
      const events = await h.store.listEvents({ board: 'batch' });
      expect(events.map((e) => [e.kind, e.payload.actor])).toEqual([
        ['task_created', 'operator:otto'],
        ['task_created', 'operator:otto'],
      ]);
    });

    it('a bad item is 400 with nothing written', async () => {
      const events = await h.store.lastEventId();
      const bad = [
        [{ title: 'fine', board: 'batch-bad' }, { title: '', board: 'batch-bad' }],
        [{ title: 'fine', board: 'batch-bad' }, { title: 'x', board: 'batch-bad', parents: ['#1'] }],
        [{ title: 'fine', board: 'batch-bad' }, { title: 'x', board: 'batch-bad', parents: ['nope'] }],
        [{ title: 'fine', board: 'batch-bad', status: 'done' }],
        Array.from({ length: 1001 }, (_, i) => ({ title: `t${i}`, board: 'batch-bad' })),
        [],
      ];
      for (const tasks of bad) {
        const answer = await h.api('POST', '/api/tasks/batch', { body: { tasks } });
        expect(answer.status, answer.text.slice(0, 200)).toBe(400);
      }
      const unknownParent = await h.api('POST', '/api/tasks/batch', {
        body: { tasks: [{ title: 'fine', board: 'batch-bad' }, { title: 'x', board: 'batch-bad', parents: ['t_00000000'] }] },
      });
      expect(unknownParent.status).toBe(404);
      expect(bodyOf(unknownParent).detail).toContain('tasks[1]');
      expect(await h.store.listTasks({ board: 'batch-bad' })).toEqual([]);
      expect(await h.store.listBoards()).not.toContain('batch-bad');
      expect(await h.store.lastEventId()).toBe(events);
    });

    it('needs an edit role: worker and viewer 403, no token 401', async () => {
      const body = { tasks: [{ title: 'x', board: 'batch-roles' }] };
      expect((await h.api('POST', '/api/tasks/batch', { token: h.tokens.viewer, body })).status).toBe(403);
      expect((await h.api('POST', '/api/tasks/batch', { token: h.tokens.worker, body })).status).toBe(403);
      expect((await h.api('POST', '/api/tasks/batch', { token: null, body })).status).toBe(401);
      expect(await h.store.listTasks({ board: 'batch-roles' })).toEqual([]);
    });

    it('both routes are in the OpenAPI document', async () => {
      const doc = bodyOf<{ paths: Record<string, Record<string, { requestBody?: unknown }>> }>(await h.api('GET', '/openapi.json'));
      expect(doc.paths['/api/tasks/batch']?.post).toBeDefined();
      expect(JSON.stringify(doc.paths['/api/runs/{id}/complete']?.post?.requestBody)).toContain('claim_next');
    });
  });
});
