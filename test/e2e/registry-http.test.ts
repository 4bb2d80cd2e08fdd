import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryRow } from '../../src/core/registry-status.js';
import { openSse } from '../http/sse-client.js';
import type { SseMessage, SseStream } from '../http/sse-client.js';
import { spawnFixture, startE2eServer, waitFor } from './helpers.js';
import type { E2eServer, FixtureProcess } from './helpers.js';

const INTERVAL = 1;
/** The registry's rule: ok while the last beat is younger than three intervals. */
const STALE_AFTER = 3 * INTERVAL;
/** Room for a loaded machine: the registry re-judges every second and the test polls. */
const SLACK_SECONDS = 6;

let t: E2eServer;
let stream: SseStream | null = null;
const children: FixtureProcess[] = [];

beforeAll(async () => {
  t = await startE2eServer({ heartbeat_interval_seconds: INTERVAL });
});
afterEach(() => {
  stream?.close();
  stream = null;
  for (const child of children.splice(0)) child.kill();
});
afterAll(async () => {
  await t?.close();
});

async function collector(): Promise<RegistryRow> {
  const answer = await t.api<{ workers: RegistryRow[] }>('GET', '/api/workers');
  expect(answer.status).toBe(200);
  const row = answer.body.workers.find((w) => w.name === 'collector');
  if (!row) throw new Error(`collector is not in the registry: ${JSON.stringify(answer.body)}`);
  return row;
}

function workerEvent(status: string, pid?: number): (message: SseMessage) => boolean {
  return (message) => {
    if (message.event !== 'worker') return false;
    const row = JSON.parse(message.data) as RegistryRow;
    return row.name === 'collector' && row.status === status && (pid === undefined || row.pid === pid);
  };
}

describe('the registry over HTTP, with real worker processes', () => {
  it('a worker beating every second is ok, and turns stale within 3 intervals of being killed', async () => {
    const token = await t.tokenFor('worker', 'collector');
    // A worker token makes its name known, before the worker was ever heard.
    expect((await collector()).status).toBe('unknown');
    stream = await openSse(`${t.server.url}/api/events`, { authorization: `Bearer ${t.server.token}` });
    expect(stream.status).toBe(200);

    const worker = spawnFixture('http-heartbeat.ts', {
      PULSEBOARD_URL: t.server.url,
      PULSEBOARD_TOKEN: token,
      WORKER_NAME: 'collector',
      INTERVAL_SECONDS: String(INTERVAL),
    });
    children.push(worker);
    const pid = worker.child.pid as number;

    const ok = await waitFor(async () => {
      const row = await collector();
      return row.status === 'ok' && row.pid === pid ? row : undefined;
    }, 'collector to be ok');
    expect(ok.extra).toMatchObject({ role: 'e2e-fixture' });
    // Still beating: the receive time moves on, beat after beat, and the row stays ok meanwhile.
    const later = await waitFor(async () => {
      const row = await collector();
      expect(row.status).toBe('ok');
      return (row.last_heartbeat_ts ?? 0) >= (ok.last_heartbeat_ts ?? 0) + 2 * INTERVAL ? row : undefined;
    }, 'two more beats');
    expect(later.pid).toBe(pid);
    await stream.waitFor(workerEvent('ok', pid), 10_000);

    worker.kill();
    expect((await worker.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now() / 1000;
    const stale = await waitFor(
      async () => {
        const row = await collector();
        return row.status === 'stale' ? row : undefined;
      },
      'collector to turn stale',
      (STALE_AFTER + SLACK_SECONDS) * 1000,
      100,
    );
    const staleSeenAt = Date.now() / 1000;
    expect(staleSeenAt - killedAt).toBeLessThanOrEqual(STALE_AFTER + SLACK_SECONDS);
    // Stale by the three-interval rule, measured from the last beat received (a beat already on the wire
    // at the kill may still land just after it).
    expect(stale.last_heartbeat_ts as number).toBeLessThanOrEqual(killedAt + 1);
    expect(stale.seconds_since as number).toBeGreaterThanOrEqual(STALE_AFTER);
    expect(stale.pid).toBe(pid);
    await stream.waitFor(workerEvent('stale', pid), 10_000);
  }, 30_000);

  it('POST /api/workers/collector/stop makes a live SDK worker process exit cleanly', async () => {
    const token = await t.tokenFor('worker', 'collector');
    const worker = spawnFixture('sdk-worker.ts', {
      PULSEBOARD_URL: t.server.url,
      PULSEBOARD_TOKEN: token,
      WORKER_NAME: 'collector',
      BOARD: 'e2e-idle',
    });
    children.push(worker);
    const pid = worker.child.pid as number;
    await waitFor(async () => {
      const row = await collector();
      return row.status === 'ok' && row.pid === pid;
    }, 'the SDK worker to be ok');
    expect(worker.child.exitCode).toBeNull();

    const viewer = await t.tokenFor('viewer', 'watcher');
    expect((await t.api('POST', '/api/workers/collector/stop', { token: viewer })).status).toBe(403);
    const stop = await t.api('POST', '/api/workers/collector/stop');
    expect(stop).toEqual({ status: 202, body: { accepted: true, worker: 'collector', action: 'stop' } });

    const exit = await Promise.race([
      worker.exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 15_000)),
    ]);
    expect(exit, worker.output()).toEqual({ code: 0, signal: null });
    expect(worker.output()).toMatch(/stopped \{"claimed":0,/);
  }, 30_000);
});
