import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/adapters/bus/memory.js';
import type { RegistryRow } from '../../src/core/registry-status.js';
import { FakeClock } from '../../src/ports/clock.js';
import { issueToken } from '../../src/services/tokens.js';
import { WorkerControl } from '../../src/services/worker-control.js';
import { take } from '../bus/helpers.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('worker registry routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ known: ['collector', 'sniffer'] });
  });
  afterAll(async () => {
    await h.close();
  });

  function rowOf(answer: { body: unknown }, name: string): RegistryRow | undefined {
    return bodyOf<{ workers: RegistryRow[] }>(answer as never).workers.find((row) => row.name === name);
  }

  it('GET /api/workers lists known workers, unknown until heard', async () => {
    const answer = await h.api('GET', '/api/workers', { token: h.tokens.viewer });
    expect(answer.status).toBe(200);
    const body = bodyOf<{ workers: RegistryRow[]; generated_at: number; bus_connected: boolean }>(answer);
    expect(body.bus_connected).toBe(true);
    expect(body.generated_at).toBeGreaterThan(1_600_000_000);
    expect(rowOf(answer, 'sniffer')).toMatchObject({ status: 'unknown', last_heartbeat_ts: null, seconds_since: null });
  });

  it('an HTTP heartbeat turns the row ok at once, keeps the extras and goes out on the bus', async () => {
    const subscription = h.bus.subscribe('system.w1.health');
    try {
      const answer = await h.api('POST', '/api/heartbeats', {
        token: h.tokens.worker,
        body: { name: 'w1', queue_depth: 4, host: 'box', pid: 4242 },
      });
      expect(answer.status, answer.text).toBe(202);
      expect(answer.body).toEqual({ accepted: true, control: null, heartbeat_interval_seconds: 30 });
      const row = rowOf(await h.api('GET', '/api/workers'), 'w1');
      expect(row).toMatchObject({ status: 'ok', host: 'box', pid: 4242, extra: { queue_depth: 4 } });
      const [message] = await take(subscription, 1);
      expect(message?.data).toMatchObject({ queue_depth: 4, host: 'box' });
    } finally {
      subscription.close();
    }
  });

  it('a worker token speaks only for its own name; unknown names are 404', async () => {
    const other = await h.api('POST', '/api/heartbeats', { token: h.tokens.worker, body: { name: 'collector' } });
    expect(other.status).toBe(403);
    const unknown = await h.api('POST', '/api/heartbeats', { body: { name: 'nobody-knows' } });
    expect(unknown.status).toBe(404);
    expect(bodyOf(unknown).detail).toBe('worker nobody-knows is not known');
    expect(h.registry.isKnown('nobody-knows')).toBe(false);
    const admin = await h.api('POST', '/api/heartbeats', { body: { name: 'collector' } });
    expect(admin.status).toBe(202);
  });

  it('a heartbeat body needs a valid name and no NUL', async () => {
    expect((await h.api('POST', '/api/heartbeats', { body: { name: 'has.dot' } })).status).toBe(400);
    expect((await h.api('POST', '/api/heartbeats', { body: { queue: 1 } })).status).toBe(400);
    expect((await h.api('POST', '/api/heartbeats', { body: { name: 'collector', note: 'a\u0000b' } })).status).toBe(400);
  });

  it('stop publishes on the control subject and rides on the next HTTP heartbeat answer once', async () => {
    const subscription = h.bus.subscribe('system.w1.control');
    try {
      const answer = await h.api('POST', '/api/workers/w1/stop', { token: h.tokens.operator });
      expect(answer.status, answer.text).toBe(202);
      expect(answer.body).toEqual({ accepted: true, worker: 'w1', action: 'stop' });
      const [message] = await take(subscription, 1);
      expect(message?.data).toEqual({ action: 'stop' });
    } finally {
      subscription.close();
    }
    const beat = await h.api('POST', '/api/heartbeats', { token: h.tokens.worker, body: { name: 'w1' } });
    expect(beat.body).toEqual({ accepted: true, control: { action: 'stop' }, heartbeat_interval_seconds: 30 });
    const next = await h.api('POST', '/api/heartbeats', { token: h.tokens.worker, body: { name: 'w1' } });
    expect(next.body).toEqual({ accepted: true, control: null, heartbeat_interval_seconds: 30 });
  });

  it('stop of an unknown or malformed name is 404 / 400, and needs an operator', async () => {
    expect((await h.api('POST', '/api/workers/ghost/stop')).status).toBe(404);
    expect((await h.api('POST', '/api/workers/bad.name/stop')).status).toBe(400);
    expect((await h.api('POST', '/api/workers/collector/stop', { token: h.tokens.viewer })).status).toBe(403);
    expect((await h.api('POST', '/api/workers/collector/stop', { token: h.tokens.worker })).status).toBe(403);
  });

  it('a worker whose token predates this server becomes known when it authenticates', async () => {
    // issueToken straight on the store: the token exists, but this registry was never told (as after a restart).
    const { token } = await issueToken(h.store, { role: 'worker', name: 'veteran' });
    expect(h.registry.isKnown('veteran')).toBe(false);
    const answer = await h.api('POST', '/api/heartbeats', { token, body: { name: 'veteran' } });
    expect(answer.status).toBe(202);
    expect(rowOf(await h.api('GET', '/api/workers'), 'veteran')?.status).toBe('ok');
  });
});

describe('WorkerControl', () => {
  it('a pending stop expires after its window', async () => {
    const bus = createMemoryBus();
    const clock = new FakeClock();
    const control = new WorkerControl(bus, { clock, pendingSeconds: 60 });
    control.stop('a');
    control.stop('b');
    clock.advance(30);
    expect(control.takePending('a')).toEqual({ action: 'stop' });
    clock.advance(31);
    expect(control.takePending('b')).toBeNull();
    expect(control.takePending('c')).toBeNull();
    await bus.close();
  });
});
