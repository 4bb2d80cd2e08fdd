import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiToken } from '../../src/core/types.js';
import { tokenCookie } from '../../src/edges/http/cookie.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('authentication and roles', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('no token is 401, a wrong or malformed one too', async () => {
    const cases: Record<string, string>[] = [{}, { authorization: 'Bearer pb_nope' }, { authorization: 'Basic abc' }, { authorization: 'Bearer' }];
    for (const headers of cases) {
      const answer = await h.api('GET', '/api/tasks', { token: null, headers });
      expect(answer.status, JSON.stringify(headers)).toBe(401);
      expect(bodyOf(answer).detail).toEqual(expect.any(String));
    }
  });

  it('401 comes before body validation', async () => {
    const answer = await h.api('POST', '/api/tasks', { token: null, rawBody: '{not json' });
    expect(answer.status).toBe(401);
  });

  it('each role reaches exactly its routes', async () => {
    const task = bodyOf<{ task: { id: string } }>(await h.api('POST', '/api/tasks', { body: { title: 'roles' } })).task;
    const table: { method: string; path: string; body?: unknown; allowed: string[] }[] = [
      { method: 'GET', path: '/api/board', allowed: ['viewer', 'operator', 'admin'] },
      { method: 'GET', path: '/api/tasks', allowed: ['viewer', 'operator', 'admin'] },
      { method: 'GET', path: '/api/workers', allowed: ['viewer', 'operator', 'admin'] },
      { method: 'GET', path: '/api/workers/active', allowed: ['viewer', 'operator', 'admin'] },
      { method: 'PATCH', path: `/api/tasks/${task.id}`, body: { priority: 1 }, allowed: ['operator', 'admin'] },
      { method: 'POST', path: '/api/tasks', body: { title: 'x' }, allowed: ['operator', 'admin'] },
      { method: 'POST', path: '/api/workers/collector/stop', allowed: ['operator', 'admin'] },
      { method: 'POST', path: '/api/heartbeats', body: { name: 'w1' }, allowed: ['worker', 'admin'] },
      { method: 'GET', path: '/api/tokens', allowed: ['admin'] },
      { method: 'POST', path: '/api/tokens', body: { role: 'viewer', name: 'someone' }, allowed: ['admin'] },
    ];
    for (const row of table) {
      for (const role of ['viewer', 'worker', 'operator', 'admin'] as const) {
        const answer = await h.api(row.method, row.path, { token: h.tokens[role], body: row.body });
        const what = `${role} ${row.method} ${row.path} → ${answer.status} ${answer.text}`;
        if (row.allowed.includes(role)) expect(answer.status, what).toBeLessThan(300);
        else {
          expect(answer.status, what).toBe(403);
          expect(bodyOf(answer).detail).toContain(role);
        }
      }
    }
  });

  it('a worker may claim only under its own name', async () => {
    const other = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: 'someone-else' } });
    expect(other.status).toBe(403);
    expect(bodyOf(other).detail).toContain('someone-else');
    const own = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'empty' } });
    expect(own.status).toBe(204);
  });

  it('the token cookie authenticates like the header, but not for a change from another site', async () => {
    const cookie = tokenCookie(h.tokens.operator).split(';')[0] as string;
    const read = await h.api('GET', '/api/tasks', { token: null, headers: { cookie: `other=1; ${cookie}` } });
    expect(read.status).toBe(200);
    const sameSite = await h.api('POST', '/api/tasks', {
      token: null,
      body: { title: 'from the dashboard' },
      headers: { cookie, origin: h.base },
    });
    expect(sameSite.status).toBe(201);
    const crossSite = await h.api('POST', '/api/tasks', {
      token: null,
      body: { title: 'forged' },
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    const noOrigin = await h.api('POST', '/api/tasks', { token: null, body: { title: 'forged' }, headers: { cookie } });
    expect(noOrigin.status).toBe(403);
    expect(bodyOf(noOrigin).detail).toContain('same-origin');
    const fetchSiteCross = await h.api('POST', '/api/tasks', {
      token: null,
      body: { title: 'forged' },
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(fetchSiteCross.status).toBe(403);
    const fetchSiteCrossSameOrigin = await h.api('POST', '/api/tasks', {
      token: null,
      body: { title: 'forged' },
      headers: { cookie, 'sec-fetch-site': 'same-site', origin: h.base },
    });
    expect(fetchSiteCrossSameOrigin.status).toBe(403);
    const fetchSiteSame = await h.api('POST', '/api/tasks', {
      token: null,
      body: { title: 'from the dashboard, no Origin' },
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(fetchSiteSame.status).toBe(201);
    expect((await h.store.listTasks()).filter((t) => t.title === 'forged')).toEqual([]);
  });

  it('tokens: issue, list without secrets, use, revoke', async () => {
    const issued = await h.api('POST', '/api/tokens', { body: { role: 'viewer', name: 'temp' } });
    expect(issued.status).toBe(201);
    const { token, id, role, name } = bodyOf<{ token: string; id: string; role: string; name: string }>(issued);
    expect(token).toMatch(/^pb_[A-Za-z0-9_-]{43}$/);
    expect({ role, name }).toEqual({ role: 'viewer', name: 'temp' });
    expect((await h.api('GET', '/api/board', { token })).status).toBe(200);

    const list = await h.api('GET', '/api/tokens');
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain('secret_hash');
    expect(bodyOf<{ tokens: ApiToken[] }>(list).tokens.map((t) => t.id)).toContain(id);

    const revoked = await h.api('DELETE', `/api/tokens/${id}`);
    expect(revoked.status).toBe(200);
    expect((await h.api('GET', '/api/board', { token })).status).toBe(401);
    expect((await h.api('DELETE', `/api/tokens/${id}`)).status).toBe(404);
    expect((await h.api('DELETE', '/api/tokens/has%20space')).status).toBe(400);
  });

  it('a worker token names a worker: it must be a valid worker name and joins the registry', async () => {
    const bad = await h.api('POST', '/api/tokens', { body: { role: 'worker', name: 'not a worker' } });
    expect(bad.status).toBe(400);
    expect(h.registry.isKnown('fresh-worker')).toBe(false);
    const good = await h.api('POST', '/api/tokens', { body: { role: 'worker', name: 'fresh-worker' } });
    expect(good.status).toBe(201);
    expect(h.registry.isKnown('fresh-worker')).toBe(true);
    expect(h.registry.snapshot().find((row) => row.name === 'fresh-worker')?.status).toBe('unknown');
  });

  it('unknown role or fields are 400', async () => {
    expect((await h.api('POST', '/api/tokens', { body: { role: 'root', name: 'x' } })).status).toBe(400);
    expect((await h.api('POST', '/api/tokens', { body: { role: 'viewer', name: 'x', run_id: 1 } })).status).toBe(400);
  });
});
