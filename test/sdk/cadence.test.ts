import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTransport } from '../../src/sdk/http-transport.js';
import { createWorker } from '../../src/sdk/worker.js';
import { startTestServer, waitFor } from './helpers.js';
import type { TestServer } from './helpers.js';

/** A server whose registry expects a beat every second (stale after 3 s) and knows the worker "cadence". */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({}, { 'pulseboard.config.json': JSON.stringify({ heartbeat_interval_seconds: 1, workers: ['cadence'] }) });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

describe('an SDK worker keeps the cadence the server sets', () => {
  it('learns heartbeat_interval_seconds from the server and stays ok in the registry at 1 s', async () => {
    const w = createWorker({
      name: 'cadence',
      transport: httpTransport({ url: t.server.url, token: t.server.token }),
      board: 'cadence-idle',
      handleSignals: false,
      onError: () => {},
      handler: () => undefined,
    });
    try {
      await waitFor(async () => (await t.client.workers()).workers.find((r) => r.name === 'cadence' && r.status === 'ok'), 10_000, 'ok');
      // Over 6 s (two stale windows) the row is read every half second and must never be stale.
      const seen: string[] = [];
      for (let i = 0; i < 12; i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const row = (await t.client.workers()).workers.find((r) => r.name === 'cadence');
        seen.push(`${row?.status}:${row?.seconds_since?.toFixed(1)}`);
      }
      expect(seen.filter((s) => !s.startsWith('ok')), seen.join(' ')).toEqual([]);
    } finally {
      await w.stop({ graceSeconds: 0 });
    }
  });

  it('progress() reaches last_progress_at at once (throttled), not at the next lease beat', async () => {
    const task = await t.client.createTask({ title: 'report progress', board: 'cadence-progress' });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reportedAt = 0;
    const w = createWorker({
      name: 'cadence',
      transport: httpTransport({ url: t.server.url, token: t.server.token }),
      board: 'cadence-progress',
      // Lease beats every 10 s: only the progress path can be this quick.
      ttlSeconds: 30,
      maxTasks: 1,
      handleSignals: false,
      healthSeconds: false,
      onError: () => {},
      handler: async (_task, ctx) => {
        // Wait out the claim's own first beat, then report many times quickly: one throttled beat carries the last.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        reportedAt = Date.now() / 1000;
        for (let i = 1; i <= 50; i++) ctx.progress({ step: i });
        await released;
      },
    });
    try {
      const run = await waitFor(async () => {
        const detail = await t.client.getTask(task.id);
        const r = detail.runs[0];
        return r && r.last_progress_at !== null && reportedAt > 0 && r.last_progress_at >= reportedAt ? r : undefined;
      }, 10_000, 'progress to be recorded');
      // Before the first lease beat (10 s after the claim) could have carried it.
      expect(run.last_progress_at!).toBeLessThan(run.started_at + 10);
      const progressEvents = (await t.client.getTask(task.id)).events.filter((e) => e.kind === 'progress');
      expect(progressEvents.length).toBeLessThanOrEqual(2);
      expect(progressEvents.at(-1)?.payload).toMatchObject({ progress: { step: 50 } });
    } finally {
      release();
      await w.done;
    }
  });
});
