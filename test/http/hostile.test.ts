import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run, Task } from '../../src/core/types.js';
import { bodyOf, startHarness } from './harness.js';
import type { Answer, Harness, RequestOptions } from './harness.js';

const INJECTIONS = [
  "'; DROP TABLE tasks;--",
  "Robert'); DELETE FROM events;--",
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '\u0000',
  'a\u0000b',
  '%00',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '\r\nSet-Cookie: x=1',
  '𝕦𝕟𝕚𝕔𝕠𝕕𝕖',
];

interface RouteSpec {
  method: string;
  path: string;
  /** A body the route would accept, and its string fields to poison one at a time. */
  body?: Record<string, unknown>;
  fields?: string[];
  query?: string[];
}

const MALFORMED_BODIES: { label: string; opts: RequestOptions }[] = [
  { label: 'truncated JSON', opts: { rawBody: '{"title": ' } },
  { label: 'trailing garbage', opts: { rawBody: '{"a":1}{"b":2}' } },
  { label: 'empty JSON', opts: { rawBody: '' , headers: { 'content-type': 'application/json' } } },
  { label: 'proto pollution', opts: { rawBody: '{"__proto__": {"role": "admin"}, "name": "collector"}' } },
  { label: 'constructor pollution', opts: { rawBody: '{"constructor": {"prototype": {"x": 1}}, "name": "collector"}' } },
  { label: 'deep nesting', opts: { rawBody: `{"name":"collector","x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}` } },
  { label: 'deep array', opts: { rawBody: `${'['.repeat(50_000)}${']'.repeat(50_000)}` } },
  { label: 'array', opts: { body: [] } },
  { label: 'string', opts: { body: 'hello' } },
  { label: 'number', opts: { body: 42 } },
  { label: 'null', opts: { body: null } },
  { label: 'huge', opts: { rawBody: JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) }) } },
  { label: 'huge number', opts: { body: { title: 'x', priority: 1e308, name: 'collector', worker: 'w1' } } },
  { label: 'unknown field', opts: { body: { evil: 1 } } },
  { label: 'text/plain', opts: { rawBody: 'title=x', headers: { 'content-type': 'text/plain' } } },
  { label: 'form', opts: { rawBody: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } } },
  { label: 'NUL in key', opts: { rawBody: '{"name":"collector","a\\u0000b":1}' } },
];

// Hundreds of requests each; generous so a loaded two-core machine does not fail them on time alone.
describe('hostile input never causes a 500 nor changes the database when rejected', { timeout: 180_000 }, () => {
  let h: Harness;
  let routes: RouteSpec[];

  beforeAll(async () => {
    h = await startHarness();
    const task = bodyOf<{ task: Task }>(await h.api('POST', '/api/tasks', { body: { title: 'target', board: 'hostile' } })).task;
    await h.api('POST', '/api/tasks', { body: { title: 'to claim', board: 'hostile' } });
    const claimed = bodyOf<{ run: Run }>(
      await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'hostile' } }),
    );
    const tokenId = (await h.store.listTokens())[0]?.id as string;
    const run = claimed.run.id;
    routes = [
      { method: 'GET', path: '/api/board', query: ['board'] },
      { method: 'POST', path: '/api/tasks', body: { title: 'x' }, fields: ['title', 'body', 'assignee', 'board'] },
      { method: 'GET', path: '/api/tasks', query: ['status', 'assignee', 'board'] },
      { method: 'GET', path: `/api/tasks/${task.id}` },
      { method: 'PATCH', path: `/api/tasks/${task.id}`, body: { priority: 1 }, fields: ['title', 'body', 'assignee', 'status'] },
      { method: 'POST', path: `/api/tasks/${task.id}/comments`, body: { body: 'x' }, fields: ['body'] },
      { method: 'POST', path: `/api/tasks/${task.id}/reclaim`, body: {}, fields: ['reason'] },
      { method: 'POST', path: '/api/claims', body: { worker: 'w1', board: 'empty' }, fields: ['worker', 'profile', 'host', 'board'] },
      { method: 'POST', path: `/api/runs/${run}/heartbeat`, body: { claim_token: 'x' }, fields: ['claim_token', 'note'] },
      {
        method: 'POST',
        path: `/api/runs/${run}/complete`,
        body: { claim_token: 'x', outcome: 'completed' },
        fields: ['claim_token', 'outcome', 'summary', 'error'],
      },
      { method: 'GET', path: '/api/workers/active', query: ['board'] },
      { method: 'GET', path: `/api/runs/${run}` },
      { method: 'GET', path: `/api/runs/${run}/inspect` },
      { method: 'GET', path: `/api/runs/${run}/log`, query: ['tail'] },
      { method: 'POST', path: `/api/runs/${run}/terminate`, body: { grace_seconds: 0 }, fields: ['reason', 'then'] },
      { method: 'GET', path: '/api/workers' },
      { method: 'POST', path: '/api/heartbeats', body: { name: 'collector' }, fields: ['name', 'note'] },
      { method: 'POST', path: '/api/workers/collector/stop', body: {}, fields: [] },
      { method: 'GET', path: '/api/events', query: ['board', 'last_event_id'] },
      { method: 'POST', path: '/api/tokens', body: { role: 'viewer', name: 'x' }, fields: ['role', 'name'] },
      { method: 'GET', path: '/api/tokens' },
      { method: 'DELETE', path: `/api/tokens/${tokenId}-not` },
      { method: 'GET', path: '/healthz' },
      { method: 'GET', path: '/metrics' },
      { method: 'GET', path: '/openapi.json' },
    ];
  });
  afterAll(async () => {
    await h.close();
  });

  async function dbState(): Promise<string> {
    const [tasks, lastEvent, tokens] = await Promise.all([h.store.listTasks(), h.store.lastEventId(), h.store.listTokens()]);
    return JSON.stringify({ tasks, lastEvent, tokens: tokens.map((t) => t.id) });
  }

  async function expectSafe(method: string, path: string, opts: RequestOptions, what: string): Promise<Answer> {
    const before = await dbState();
    const answer = await h.api(method, path, opts);
    expect(answer.status, `${what}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
    if (answer.status >= 400) {
      expect(typeof bodyOf(answer).detail, `${what} has a detail`).toBe('string');
      expect(await dbState(), `${what} left the database as it was`).toBe(before);
    }
    return answer;
  }

  /** Swaps each path segment that is an id for a hostile one. */
  function hostilePaths(path: string): string[] {
    const segments = path.split('/');
    const out: string[] = [];
    segments.forEach((segment, index) => {
      if (index < 3 || segment === '' || /^[a-z]+$/.test(segment)) return;
      for (const injection of INJECTIONS) {
        const copy = segments.slice();
        copy[index] = encodeURIComponent(injection);
        out.push(copy.join('/'));
      }
    });
    return out;
  }

  it('malformed, mistyped, oversized and unknown-field bodies on every route with a body', async () => {
    for (const route of routes) {
      if (route.method === 'GET') continue;
      for (const { label, opts } of MALFORMED_BODIES) {
        const answer = await expectSafe(route.method, route.path, opts, `${route.method} ${route.path} [${label}]`);
        if (label === 'huge') expect(answer.status, `${route.path} huge`).toBe(413);
        if (label === 'unknown field' && route.body) expect(answer.status, `${route.path} unknown field`).toBe(400);
      }
    }
  });

  it('injection strings in every string field of every body', async () => {
    for (const route of routes) {
      for (const field of route.fields ?? []) {
        for (const injection of INJECTIONS) {
          const body = { ...route.body, [field]: injection };
          const answer = await expectSafe(route.method, route.path, { body }, `${route.method} ${route.path} ${field}=${JSON.stringify(injection)}`);
          if (route.path === '/api/tasks' && field === 'title' && answer.status === 201) {
            // Accepted text is stored as given, not interpreted.
            expect(bodyOf<{ task: Task }>(answer).task.title).toBe(injection);
          }
          if (injection.includes('\u0000')) expect(answer.status).toBe(400);
        }
      }
    }
  });

  it('injection strings in every path id and query parameter', async () => {
    for (const route of routes) {
      for (const path of hostilePaths(route.path)) {
        const answer = await expectSafe(route.method, path, route.body ? { body: route.body } : {}, `${route.method} ${path}`);
        expect([400, 404], `${route.method} ${path}`).toContain(answer.status);
      }
      // Routes that take a query string refuse parameters they do not know.
      for (const name of route.query ? [...route.query, 'evil'] : []) {
        for (const injection of INJECTIONS) {
          const url = `${route.path}?${name}=${encodeURIComponent(injection)}`;
          const answer = await expectSafe(route.method, url, {}, `GET ${url}`);
          expect(answer.status, `GET ${url}`).toBe(400);
        }
      }
    }
  });

  it('the tables are intact afterwards and accepted hostile text reads back verbatim', async () => {
    const answer = await h.api('GET', '/api/tasks?board=hostile');
    expect(answer.status).toBe(200);
    expect(bodyOf<{ tasks: Task[] }>(answer).tasks.length).toBeGreaterThanOrEqual(2);
    const all = bodyOf<{ tasks: Task[] }>(await h.api('GET', '/api/tasks')).tasks.map((t) => t.title);
    expect(all).toContain("'; DROP TABLE tasks;--");
    expect(all).toContain('<script>alert(1)</script>');
    expect(all).not.toContain('a\u0000b');
    expect(await h.store.lastEventId()).toBeGreaterThan(0);
  });
});
