import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import type { Run } from '../../src/core/types.js';
import { ActiveRunsResponse } from '../../src/edges/http/schemas/runs.js';
import { Children } from '../process/children.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/**
 * GET /api/workers/active sends JSON it put together itself, past the response schema's serializer
 * (routes/active.ts, activeRunsResponseParts). Its bytes must be exactly what that serializer makes of
 * the same object: a field out of order, one the schema does not have, or a value of the wrong type
 * would make them differ.
 */
describe('GET /api/workers/active bytes against the ActiveRunsResponse serializer', () => {
  let h: Harness;
  let schemaApp: FastifyInstance;
  let object: unknown;
  const children = new Children();

  beforeAll(async () => {
    h = await startHarness();
    // The serializer Fastify compiles from the same schema, as a route that answers the object it is given.
    schemaApp = Fastify();
    schemaApp.get('/', { schema: { response: { 200: ActiveRunsResponse } } }, async () => object);
    await schemaApp.ready();
  });
  afterAll(async () => {
    await children.killAll();
    await schemaApp.close();
    await h.close();
  });

  async function serializedBySchema(text: string): Promise<string> {
    object = JSON.parse(text);
    return (await schemaApp.inject({ method: 'GET', url: '/' })).body;
  }

  async function claim(title: string, board: string): Promise<Run> {
    await h.api('POST', '/api/tasks', { body: { title, board } });
    return bodyOf<{ run: Run }>(await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board } })).run;
  }

  it('equal with no runs, with runs of every kind of value, and with inspect=1', async () => {
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
});
