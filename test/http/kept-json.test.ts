import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import type { Run } from '../../src/core/types.js';
import { ActiveRunsResponse } from '../../src/edges/http/schemas/runs.js';
import { BoardResponse } from '../../src/edges/http/schemas/tasks.js';
import { Children } from '../process/children.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/**
 * GET /api/workers/active and GET /api/board send JSON they put together themselves from what a view
 * keeps, past the response schema's serializer (json-parts.ts). Their bytes must be exactly what that
 * serializer makes of the same object: a field out of order, one the schema does not have, or a value of
 * the wrong type would make them differ.
 */
describe('kept JSON against the response schema serializers', () => {
  let h: Harness;
  let schemaApp: FastifyInstance;
  let object: unknown;
  const children = new Children();

  beforeAll(async () => {
    h = await startHarness();
    // The serializers Fastify compiles from the same schemas, as routes that answer the object they are given.
    schemaApp = Fastify();
    schemaApp.get('/active', { schema: { response: { 200: ActiveRunsResponse } } }, async () => object);
    schemaApp.get('/board', { schema: { response: { 200: BoardResponse } } }, async () => object);
    await schemaApp.ready();
  });
  afterAll(async () => {
    await children.killAll();
    await schemaApp.close();
    await h.close();
  });

  async function serializedBySchema(text: string, schema: 'active' | 'board' = 'active'): Promise<string> {
    object = JSON.parse(text);
    return (await schemaApp.inject({ method: 'GET', url: `/${schema}` })).body;
  }

  async function claim(title: string, board: string): Promise<Run> {
    await h.api('POST', '/api/tasks', { body: { title, board } });
    return bodyOf<{ run: Run }>(await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board } })).run;
  }

  it('active runs: equal with no runs, with runs of every kind of value, and with inspect=1', async () => {
    const empty = await h.api('GET', '/api/workers/active');
    expect(empty.status).toBe(200);
    expect(empty.text).toBe(await serializedBySchema(empty.text));

    // A title that needs escaping, a run with a recorded process, one with progress, one on another board.
    const plain = await claim('quotes " and \\ and ünïcödé \u2028 line', 'bytes-a');
    const spawned = await claim('with a process', 'bytes-a');
    const child = children.spawn('sleep', ['30'], { detached: true });
    await h.store.recordProcess(spawned.id, { pid: child.pid, worker_started_at: readProcessStartTime(child.pid), host: h.hostname });
    await h.store.heartbeat(plain.id, plain.claim_token, { progress: 0.25, note: 'n' });
    await claim('elsewhere', 'bytes-b');

    for (const path of ['/api/workers/active', '/api/workers/active?board=bytes-a', '/api/workers/active?inspect=1']) {
      const first = await h.api('GET', path);
      expect(first.status).toBe(200);
      expect(first.text).toBe(await serializedBySchema(first.text));
      // Answered again from what the view kept: still the same bytes as the serializer's.
      const again = await h.api('GET', path);
      expect(again.text).toBe(await serializedBySchema(again.text));
    }
    const listed = bodyOf<{ workers: { run_id: number; process?: { alive: boolean } }[]; count: number }>(
      await h.api('GET', '/api/workers/active?inspect=1'),
    );
    expect(listed.count).toBe(3);
    expect(listed.workers.find((w) => w.run_id === spawned.id)?.process?.alive).toBe(true);
  });

  it('board: equal empty, with tasks of every kind of value, answered again from the view, and after a change', async () => {
    const path = '/api/board?board=bytes-board';
    const empty = await h.api('GET', path);
    expect(empty.status).toBe(200);
    expect(empty.text).toBe(await serializedBySchema(empty.text, 'board'));

    const odd = await h.store.createTask({
      title: 'quotes " and \\ and ünïcödé \u2028 line',
      board: 'bytes-board',
      priority: -3,
      body: '</script> and a "quote"\nnext line\ttab',
      max_runtime_seconds: 90,
    });
    await h.store.createTask({ title: 'plain', board: 'bytes-board', assignee: 'someone' });
    await h.store.createTask({ title: 'to sort', board: 'bytes-board', triage: true, parents: [odd.id] });
    const done = await h.store.createTask({ title: 'finished', board: 'bytes-board' });
    await h.store.updateTask(done.id, { status: 'done' });
    await claim('running on the board', 'bytes-board');
    for (const query of ['', '&closed_limit=0', '&closed_limit=1']) {
      const first = await h.api('GET', path + query);
      expect(first.status).toBe(200);
      expect(first.text).toBe(await serializedBySchema(first.text, 'board'));
      const again = await h.api('GET', path + query);
      expect(again.text).toBe(await serializedBySchema(again.text, 'board'));
    }
    await h.store.updateTask(odd.id, { title: 'renamed' });
    const changed = await h.api('GET', path);
    expect(changed.text).toBe(await serializedBySchema(changed.text, 'board'));
    expect(changed.text).toContain('"renamed"');
  });
});
