import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryRow } from '../../src/core/registry-status.js';
import { take } from '../bus/helpers.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('POST /api/heartbeats/batch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ known: ['a1', 'a2', 'a3', 'b1', 'b2', 'c1', 'c2', 'd1', 'e1'] });
  });
  afterAll(async () => {
    await h.close();
  });

  async function rowOf(name: string): Promise<RegistryRow | undefined> {
    return bodyOf<{ workers: RegistryRow[] }>(await h.api('GET', '/api/workers')).workers.find((row) => row.name === name);
  }

  it('records every beat at once with its extras, publishes each, and records none twice', async () => {
    const subscription = h.bus.subscribe('system.*.health');
    try {
      const before = h.registry.stats().received;
      const answer = await h.api('POST', '/api/heartbeats/batch', {
        body: { beats: [{ name: 'a1', depth: 1 }, { name: 'a2', host: 'box', pid: 7 }, { name: 'a3' }] },
      });
      expect(answer.status, answer.text).toBe(202);
      expect(answer.body).toEqual({ accepted: 3, controls: [] });
      expect(await rowOf('a1')).toMatchObject({ status: 'ok', extra: { depth: 1 } });
      expect(await rowOf('a2')).toMatchObject({ status: 'ok', host: 'box', pid: 7 });
      const published = await take(subscription, 3);
      expect(published.map((m) => m.subject)).toEqual(['system.a1.health', 'system.a2.health', 'system.a3.health']);
      // The registry's own subscription has heard the echoes by now; they must not count as new beats.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(h.registry.stats().received - before).toBe(3);
    } finally {
      subscription.close();
    }
  });

  it('a worker token may batch only its own name; one foreign name refuses the whole batch', async () => {
    const token = await h.tokenFor('worker', 'b1');
    const own = await h.api('POST', '/api/heartbeats/batch', { token, body: { beats: [{ name: 'b1' }, { name: 'b1' }] } });
    expect(own.status, own.text).toBe(202);
    const mixed = await h.api('POST', '/api/heartbeats/batch', { token, body: { beats: [{ name: 'b1' }, { name: 'b2' }] } });
    expect(mixed.status).toBe(403);
    expect(bodyOf(mixed).detail).toContain('beats[1]');
    expect((await rowOf('b2'))?.status).toBe('unknown');
    expect((await h.api('POST', '/api/heartbeats/batch', { token: h.tokens.viewer, body: { beats: [{ name: 'b2' }] } })).status).toBe(403);
    expect((await h.api('POST', '/api/heartbeats/batch', { token: null, body: { beats: [{ name: 'b2' }] } })).status).toBe(401);
  });

  it('an unknown name refuses the batch with 404 and records none of it', async () => {
    const answer = await h.api('POST', '/api/heartbeats/batch', { body: { beats: [{ name: 'c1' }, { name: 'ghost' }, { name: 'c2' }] } });
    expect(answer.status).toBe(404);
    expect(bodyOf(answer).detail).toBe('body.beats[1]: worker ghost is not known');
    expect((await rowOf('c1'))?.status).toBe('unknown');
    expect((await rowOf('c2'))?.status).toBe('unknown');
  });

  it('a malformed item, an empty batch or more than 1000 beats is 400 and records nothing', async () => {
    const bad = [
      { beats: [{ name: 'd1' }, { name: 'has.dot' }] },
      { beats: [{ name: 'd1' }, { load: 1 }] },
      { beats: [{ name: 'd1', note: 'a\u0000b' }] },
      { beats: [] },
      { beats: Array.from({ length: 1001 }, () => ({ name: 'd1' })) },
      { beats: [{ name: 'd1' }], extra: true },
      [{ name: 'd1' }],
    ];
    for (const body of bad) {
      const answer = await h.api('POST', '/api/heartbeats/batch', { body });
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    expect(bodyOf(await h.api('POST', '/api/heartbeats/batch', { body: bad[0] })).detail).toContain('body.beats.1.name');
    expect((await rowOf('d1'))?.status).toBe('unknown');
  });

  it("answers a named worker's pending stop once", async () => {
    expect((await h.api('POST', '/api/workers/e1/stop', { token: h.tokens.operator })).status).toBe(202);
    const first = await h.api('POST', '/api/heartbeats/batch', { body: { beats: [{ name: 'a1' }, { name: 'e1' }, { name: 'e1' }] } });
    expect(first.body).toEqual({ accepted: 3, controls: [{ worker: 'e1', action: 'stop' }] });
    const next = await h.api('POST', '/api/heartbeats/batch', { body: { beats: [{ name: 'e1' }] } });
    expect(next.body).toEqual({ accepted: 1, controls: [] });
  });
});
