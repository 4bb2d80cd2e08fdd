import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, Run, Task } from '../../src/core/types.js';
import type { Access } from '../../src/edges/http/auth.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/**
 * DESIGN.md's roles, route by route: viewer reads; worker claims, heartbeats and completes its own runs
 * and speaks for its own name; operator = viewer + edit; admin = everything. Every route of the app must
 * be listed here, so a new route without an entry fails this test.
 */
const CONTRACT: Record<string, Access> = {
  'GET /healthz': 'public',
  'GET /metrics': 'public',
  'GET /openapi.json': 'public',
  'GET /': 'public',
  'GET /api/board': 'read',
  'POST /api/tasks': 'edit',
  'POST /api/tasks/batch': 'edit',
  'GET /api/tasks': 'read',
  'GET /api/tasks/:id': 'read',
  'PATCH /api/tasks/:id': 'edit',
  'POST /api/tasks/:id/comments': 'edit',
  'POST /api/tasks/:id/reclaim': 'edit',
  'POST /api/claims': 'work',
  'POST /api/runs/:id/heartbeat': 'work',
  'POST /api/runs/:id/complete': 'work',
  'GET /api/runs/:id': 'read',
  'GET /api/runs/:id/inspect': 'read',
  'POST /api/runs/inspect': 'read',
  'GET /api/runs/:id/log': 'read',
  'POST /api/runs/:id/terminate': 'edit',
  'GET /api/workers/active': 'read',
  'GET /api/workers': 'read',
  'POST /api/heartbeats': 'work',
  'POST /api/heartbeats/batch': 'work',
  'POST /api/workers/:name/stop': 'edit',
  'GET /api/events': 'read',
  'GET /api/events/recent': 'read',
  'GET /api/runs/:id/log/stream': 'read',
  'POST /api/tokens': 'admin',
  'GET /api/tokens': 'admin',
  'DELETE /api/tokens/:id': 'admin',
  'GET /api/boards': 'read',
  'GET /api/stats': 'read',
  'GET /api/session': 'read',
  // The dashboard's login checks the token it is given itself; logging out needs none.
  'POST /api/session': 'public',
  'DELETE /api/session': 'public',
  'GET /assets/*': 'public',
};

const ALLOWED: Record<Exclude<Access, 'public'>, readonly Role[]> = {
  read: ['viewer', 'operator', 'admin'],
  edit: ['operator', 'admin'],
  work: ['worker', 'admin'],
  admin: ['admin'],
};

const ROLES: readonly Role[] = ['viewer', 'worker', 'operator', 'admin'];
type BadState = 'none' | 'malformed' | 'unknown' | 'revoked';
const BAD_STATES: readonly BadState[] = ['none', 'malformed', 'unknown', 'revoked'];

describe('auth matrix: every route × role × token state, against the contract', { timeout: 120_000 }, () => {
  let h: Harness;
  let revoked: string;
  let otherWorker: string;
  let run: Run;

  beforeAll(async () => {
    // Many deliberate failures from one address: the failure limit is tested on its own below.
    h = await startHarness({ settings: { auth_failures_per_minute: 1_000_000 } });
    revoked = await h.tokenFor('viewer', 'gone');
    const id = (await h.store.listTokens()).find((t) => t.name === 'gone')!.id;
    await h.api('DELETE', `/api/tokens/${id}`);
    otherWorker = await h.tokenFor('worker', 'w2');
    bodyOf<{ task: Task }>(await h.api('POST', '/api/tasks', { body: { title: 'owned by w1', board: 'matrix' } }));
    run = bodyOf<{ run: Run }>(await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'matrix' } })).run;
  });
  afterAll(async () => {
    await h.close();
  });

  /** A path for the route that passes routing; ids are unknown so an authorised call changes nothing. */
  const concrete = (url: string) =>
    url.replace('/api/tasks/:id', '/api/tasks/t_00000000').replace('/api/runs/:id', '/api/runs/999999').replace(':name', 'nobody').replace('/api/tokens/:id', '/api/tokens/nope').replace('*', 'none.js');

  async function call(method: string, path: string, authorization: string | null): Promise<number> {
    // As a page of this server would send it, so only the token decides (cookie rules are tested apart).
    const headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' };
    if (authorization !== null) headers.authorization = authorization;
    // An empty or absent body: an authorised call is refused by validation, never carried out.
    const body = method === 'GET' || method === 'DELETE' ? undefined : '{"__matrix__":1}';
    if (body !== undefined) headers['content-type'] = 'application/json';
    const controller = new AbortController();
    const response = await fetch(`${h.base}${path}`, { method, headers, body, signal: controller.signal });
    // The event stream never ends: its status is all this needs.
    controller.abort();
    return response.status;
  }

  it('lists every route of the app', () => {
    const routes = h.app.routeTable.map((r) => `${r.method} ${r.url}`);
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter((r) => !(r in CONTRACT));
    expect(missing, 'routes without an entry in the auth contract').toEqual([]);
    for (const route of h.app.routeTable) {
      const declared = route.access ?? 'public';
      expect(declared, `${route.method} ${route.url} declares what the contract says`).toBe(CONTRACT[`${route.method} ${route.url}`]);
    }
  });

  it('every route answers each role and each bad token state as the contract says', async () => {
    const secrets: Record<Role, string> = { viewer: h.tokens.viewer, worker: h.tokens.worker, operator: h.tokens.operator, admin: h.tokens.admin };
    const badHeader: Record<BadState, string | null> = {
      none: null,
      malformed: 'Basic dXNlcjpwYXNz',
      unknown: 'Bearer pb_not-a-token-this-server-issued',
      revoked: `Bearer ${revoked}`,
    };
    const failures: string[] = [];
    for (const route of h.app.routeTable) {
      const access = CONTRACT[`${route.method} ${route.url}`]!;
      const path = concrete(route.url);
      for (const state of BAD_STATES) {
        const status = await call(route.method, path, badHeader[state]);
        const expected = access === 'public' ? 'not 401' : '401';
        if ((access === 'public') === (status === 401)) failures.push(`${route.method} ${route.url} token ${state}: ${status}, expected ${expected}`);
      }
      for (const role of ROLES) {
        const status = await call(route.method, path, `Bearer ${secrets[role]}`);
        const allowed = access === 'public' || ALLOWED[access].includes(role);
        if (allowed && (status === 401 || status === 403)) failures.push(`${route.method} ${route.url} as ${role}: ${status}, expected through`);
        if (!allowed && status !== 403) failures.push(`${route.method} ${route.url} as ${role}: ${status}, expected 403`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("another worker's token may not act on a worker's run or name, even with its claim_token", async () => {
    const asOther = (method: string, path: string, body: unknown) => h.api(method, path, { token: otherWorker, body });
    const cases = [
      await asOther('POST', `/api/runs/${run.id}/heartbeat`, { claim_token: run.claim_token }),
      await asOther('POST', `/api/runs/${run.id}/complete`, { claim_token: run.claim_token, outcome: 'completed' }),
      await asOther('POST', '/api/claims', { worker: h.workerName }),
      await asOther('POST', '/api/heartbeats', { name: h.workerName }),
      await asOther('POST', '/api/heartbeats/batch', { beats: [{ name: 'w2' }, { name: h.workerName }] }),
    ];
    expect(cases.map((c) => c.status)).toEqual([403, 403, 403, 403, 403]);
    for (const c of cases) expect(typeof bodyOf(c).detail).toBe('string');
    expect((await h.store.getRun(run.id))?.outcome).toBeNull();
    // Its own worker still may.
    const own = await h.api('POST', `/api/runs/${run.id}/heartbeat`, { token: h.tokens.worker, body: { claim_token: run.claim_token } });
    expect(own.status).toBe(200);
  });
});

describe('failed authentication is rate-limited per client address', { timeout: 60_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ settings: { auth_failures_per_minute: 30 } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('after 30 failures in a minute the address gets 429 with Retry-After; a token in use still passes', async () => {
    // Used once before the flood: this server remembers it as good and still checks it.
    expect((await h.api('GET', '/api/board', { token: h.tokens.viewer })).status).toBe(200);
    const fresh = await h.tokenFor('operator', 'fresh');
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) statuses.push((await h.api('GET', '/api/board', { token: `pb_guess-${i}` })).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(new Set(statuses.slice(30))).toEqual(new Set([429]));
    const limited = await h.api('GET', '/api/board', { token: 'pb_guess-again' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(String(bodyOf(limited).detail)).toContain('too many failed authentications');
    expect((await h.api('GET', '/api/board', { token: h.tokens.viewer })).status).toBe(200);
    // A secret not accepted lately is not looked up while the address is blocked, whatever it is.
    expect((await h.api('GET', '/api/board', { token: fresh })).status).toBe(429);
  });
});
