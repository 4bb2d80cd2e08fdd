import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run, Task } from '../../src/core/types.js';
import { bodyOf, startHarness } from '../http/harness.js';
import type { Harness } from '../http/harness.js';
import { fuzzParameters } from './fuzz-settings.js';

/** Field names the routes know, so generated bodies and queries often get past "unknown field". */
const FIELDS = [
  'title', 'body', 'assignee', 'priority', 'parents', 'max_runtime_seconds', 'max_attempts', 'board', 'status', 'result',
  'worker', 'profile', 'pid', 'host', 'ttl_seconds', 'wait_seconds', 'claim_token', 'progress', 'note', 'outcome',
  'summary', 'error', 'claim_next', 'reason', 'then', 'grace_seconds', 'name', 'role', 'tasks', 'beats', 'run_ids',
  'token', 'tail', 'last_event_id', 'closed_limit', 'events_limit', 'events_before', 'inspect',
];
const field = fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 12 }));
const scalar = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('', 'default', 'ready', 'done', 'running', 'completed', 'admin', 'w1', 't_00000000', '1', '-1', '1e309', '\u0000'),
);
const jsonish = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(field, scalar, { maxKeys: 3 }));
const body = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(field, jsonish, { maxKeys: 6 }).map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);
const pathSegment = fc.oneof(
  fc.constantFrom('1', '0', '-1', '999999', '9007199254740993', 't_00000000', 'w1', 'x', '%00', '%E0%A4%A', '..', '%2F'),
  fc.string({ minLength: 1, maxLength: 20 }).map(encodeURIComponent),
  fc.stringMatching(/^[0-9]{1,30}$/),
);
const query = fc.dictionary(field, fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[0-9]{1,6}$/)), { maxKeys: 3 });
const headerValue = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });
const extraHeaders = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', ''),
    'content-encoding': fc.constantFrom('gzip', 'identity', 'br', 'x'),
    'last-event-id': headerValue,
    origin: fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1'),
    'sec-fetch-site': fc.constantFrom('cross-site', 'same-origin', 'none'),
    'x-fuzz': headerValue,
  },
  { requiredKeys: [] },
);

interface Case {
  route: number;
  segments: string[];
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  as: 'admin' | 'worker' | 'viewer' | 'none';
}

describe('every route, property-based: never a 5xx, always {detail}, a refusal changes nothing', { timeout: 600_000 }, () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ settings: { auth_failures_per_minute: 1_000_000 } });
    const task = bodyOf<{ task: Task }>(await h.api('POST', '/api/tasks', { body: { title: 'fuzz target', board: 'fuzz' } })).task;
    await h.api('POST', '/api/tasks', { body: { title: 'to claim', board: 'fuzz' } });
    bodyOf<{ run: Run }>(await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'fuzz' } }));
    expect(task.id).toMatch(/^t_/);
  });
  afterAll(async () => {
    await h.close();
  });

  async function state(): Promise<string> {
    const [tasks, lastEvent, tokens, active] = await Promise.all([h.store.listTasks(), h.store.lastEventId(), h.store.listTokens(), h.store.listActiveRuns()]);
    return JSON.stringify({ tasks, lastEvent, tokens: tokens.map((t) => t.id), active: active.map((r) => [r.run_id, r.claim_expires]) });
  }

  it('random paths, queries, headers and bodies on every route of the app', async () => {
    const routes = h.app.routeTable.filter((r) => r.url !== '/assets/*');
    const tokens = { admin: h.tokens.admin, worker: h.tokens.worker, viewer: h.tokens.viewer, none: null };
    const cases = fc.record<Case>({
      route: fc.nat({ max: routes.length - 1 }),
      segments: fc.array(pathSegment, { minLength: 3, maxLength: 3 }),
      query,
      headers: extraHeaders,
      body,
      as: fc.constantFrom('admin', 'admin', 'worker', 'viewer', 'none'),
    });
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const route = routes[c.route]!;
        let n = 0;
        const path = route.url.replace(/:[a-z_]+/g, () => c.segments[n++] ?? 'x');
        const search = new URLSearchParams(c.query).toString();
        const headers: Record<string, string> = { ...c.headers };
        const token = tokens[c.as];
        if (token !== null) headers.authorization = `Bearer ${token}`;
        const sendsBody = route.method !== 'GET' && route.method !== 'DELETE';
        const before = await state();
        const controller = new AbortController();
        const response = await fetch(`${h.base}${path}${search ? `?${search}` : ''}`, {
          method: route.method,
          headers,
          body: sendsBody ? c.body : undefined,
          signal: controller.signal,
        });
        const what = `${route.method} ${path}?${search} as ${c.as} ${JSON.stringify(c.headers)} ${c.body.slice(0, 80)}`;
        if (response.headers.get('content-type')?.includes('text/event-stream')) {
          controller.abort();
          return;
        }
        const text = await response.text();
        // The dashboard page answers 503 (text) while its bundle is not built: a state of the install, not of the request.
        if (route.url === '/' && response.status === 503) return;
        if (response.status >= 500) failures.push(`${response.status} ${what}: ${text.slice(0, 200)}`);
        if (response.status >= 400) {
          let detail: unknown;
          try {
            detail = (JSON.parse(text) as { detail?: unknown }).detail;
          } catch {
            detail = undefined;
          }
          if (typeof detail !== 'string') failures.push(`no {detail} for ${response.status} ${what}: ${text.slice(0, 200)}`);
          if ((await state()) !== before) failures.push(`refused ${response.status} but changed the store: ${what}`);
        }
        expect(failures).toEqual([]);
      }),
      fuzzParameters(600),
    );
  });
});
