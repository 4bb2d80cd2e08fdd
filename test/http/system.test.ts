import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('system routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('GET /healthz needs no token', async () => {
    const answer = await h.api('GET', '/healthz', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, store: 'sqlite', bus: 'memory', bus_connected: true });
  });

  it('GET /openapi.json documents every route of the contract', async () => {
    const answer = await h.api('GET', '/openapi.json', { token: null });
    expect(answer.status).toBe(200);
    const doc = bodyOf<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(answer);
    expect(doc.openapi).toMatch(/^3\./);
    const expected: [string, string][] = [
      ['/api/board', 'get'],
      ['/api/tasks', 'post'],
      ['/api/tasks', 'get'],
      ['/api/tasks/{id}', 'get'],
      ['/api/tasks/{id}', 'patch'],
      ['/api/tasks/{id}/comments', 'post'],
      ['/api/tasks/{id}/reclaim', 'post'],
      ['/api/claims', 'post'],
      ['/api/runs/{id}/heartbeat', 'post'],
      ['/api/runs/{id}/complete', 'post'],
      ['/api/workers/active', 'get'],
      ['/api/runs/{id}', 'get'],
      ['/api/runs/{id}/inspect', 'get'],
      ['/api/runs/{id}/terminate', 'post'],
      ['/api/workers', 'get'],
      ['/api/heartbeats', 'post'],
      ['/api/workers/{name}/stop', 'post'],
      ['/api/events', 'get'],
      ['/api/tokens', 'post'],
      ['/api/tokens', 'get'],
      ['/api/tokens/{id}', 'delete'],
      ['/healthz', 'get'],
      ['/metrics', 'get'],
    ];
    for (const [path, method] of expected) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    const runFields = (path: string, method: string) => {
      const op = doc.paths[path]?.[method] as {
        responses: Record<string, { content: Record<string, { schema: { properties: { run: { properties: object } } } }> }>;
      };
      return Object.keys(op.responses['200']?.content['application/json']?.schema.properties.run.properties ?? {});
    };
    expect(runFields('/api/runs/{id}', 'get')).toContain('worker_started_at');
    expect(runFields('/api/runs/{id}', 'get')).not.toContain('claim_token');
    expect(runFields('/api/claims', 'post')).toContain('claim_token');
  });

  it('GET /metrics speaks Prometheus text with the task gauge and request histogram', async () => {
    await h.api('POST', '/api/tasks', { body: { title: 'counted' } });
    const answer = await h.api('GET', '/metrics', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    expect(answer.text).toMatch(/pulseboard_tasks\{status="ready"\} 1/);
    expect(answer.text).toContain('pulseboard_http_request_duration_seconds_bucket');
    expect(answer.text).toContain('pulseboard_bus_dropped_messages');
    expect(answer.text).toContain('pulseboard_registry_dropped_unknown');
    expect(answer.text).toContain('pulseboard_active_runs 0');
  });

  it('an unknown route is 404 with a detail', async () => {
    const outside = await h.api('GET', '/nowhere', { token: null });
    expect(outside.status).toBe(404);
    expect(bodyOf(outside).detail).toContain('/nowhere');
    const inside = await h.api('GET', '/api/nowhere');
    expect(inside.status).toBe(404);
    expect(bodyOf(inside).detail).toEqual(expect.any(String));
  });
});
