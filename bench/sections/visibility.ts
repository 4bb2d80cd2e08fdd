import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { localHostName, readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import { createClient } from '../../src/sdk/client.js';
import type { PulseboardClient } from '../../src/sdk/client.js';
import { JsonLineChild } from '../children/spawn.js';
import { NATS_URL } from '../systems/env.js';
import { getLatency } from './http-latency.js';
import { seedRuns } from './seed-sqlite.js';
import { measureRegistry } from './nats-ingest.js';

export interface VisibilityOptions {
  quick: boolean;
}

const LIVE_RUNS = 1000;
const HEARTBEAT_NAMES = Array.from({ length: 100 }, (_, i) => `bench-${i}`);
/** Beats per POST /api/heartbeats/batch in the batched figure (the route's maximum). */
const HEARTBEAT_BATCH = 1000;

/**
 * Pulseboard on SQLite with 1,000 live and 1,000,000 ended runs (100,000 with --quick). The server runs
 * in a process of its own, as a user runs it: neither the benchmark's clients nor its heap share the
 * server's event loop.
 */
export async function measureVisibility(opts: VisibilityOptions): Promise<Record<string, number | string | null>> {
  const endedRuns = opts.quick ? 100_000 : 1_000_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulseboard-bench-vis-'));
  const child = new JsonLineChild('./server-child.ts', [dir, JSON.stringify({ workers: HEARTBEAT_NAMES })]);
  const figures: Record<string, number | string | null> = {};
  // The seeded live runs' worker processes, one per run (sleep: a small real process each), so the
  // many-runs inspect reads a thousand processes as it would for a real fleet; when a run's renewed 30 s
  // lease lapses after the renewals stop, the server's reaper kills its process, as it must.
  const workers = Array.from({ length: LIVE_RUNS }, () => spawn('sleep', ['3600'], { stdio: 'ignore' }));
  try {
    if (workers.some((w) => w.pid === undefined)) throw new Error('could not start the stand-in worker processes');
    const server = (await child.waitFor((e) => e.event === 'ready', 60_000)) as unknown as ServerReady | null;
    if (!server) throw new Error('the server process did not start');
    const dbPath = path.join(server.home, 'pulseboard.db');
    const seed = seedRuns({
      dbPath,
      board: 'default',
      liveRuns: LIVE_RUNS,
      endedRuns,
      doneTasks: 1000,
      workers: workers.map((w) => ({ pid: w.pid as number, startedAt: readProcessStartTime(w.pid as number) })),
      host: localHostName(),
    });
    figures.live_runs = LIVE_RUNS;
    figures.ended_runs = endedRuns;
    figures.seed_seconds = seed.seconds;
    const requests = opts.quick ? 100 : 300;

    const active = await getLatency(`${server.url}/api/workers/active`, server.token, requests);
    figures.active_p50_ms = active.p50_ms;
    figures.active_p99_ms = active.p99_ms;
    figures.active_response_kb = active.bytes / 1024;

    const board = await getLatency(`${server.url}/api/board`, server.token, Math.ceil(requests / 3));
    figures.board_p50_ms = board.p50_ms;
    figures.board_p99_ms = board.p99_ms;
    figures.board_response_kb = board.bytes / 1024;

    // The client's warm-up requests give each process a previous reading: CPU % is then a delta, no sampling wait.
    const liveRun = seed.liveRunIds[0];
    const inspect = await getLatency(`${server.url}/api/runs/${liveRun}/inspect`, server.token, requests);
    figures.inspect_p50_ms = inspect.p50_ms;
    figures.inspect_p99_ms = inspect.p99_ms;

    // The same listing while the fleet beats: every run renews its lease every 10 s (the SDK's default
    // for a 30 s lease), i.e. 100 lease extensions a second, each one a commit the listing must show.
    const client = createClient({ url: server.url, token: server.token });
    // The listing's latency while `load` runs; the load's count under `countName`.
    const listingWhile = async (name: string, countName: string, load: { stop(): Promise<number> }) => {
      try {
        const live = await getLatency(`${server.url}/api/workers/active`, server.token, requests);
        figures[`active_${name}_p50_ms`] = live.p50_ms;
        figures[`active_${name}_p99_ms`] = live.p99_ms;
      } finally {
        figures[`active_${name}_${countName}`] = await load.stop();
      }
    };
    await listingWhile('beating', 'beats', runHeartbeats(client, seed.liveRunIds, 100));

    // And while tasks are created, 20 a second: a commit the kept rows cannot be carried across, so the
    // listing after each is read afresh from the database (as after a claim or a completion).
    await listingWhile('changing', 'tasks', runTaskCreations(client, 20));

    // Reading a thousand processes a request leaves the server ~90 MB of garbage, collected by a
    // mark-compact of ~12 ms within the next second: measured after the listing figures, so that none
    // of them is that collection (bench/README.md, visibility).
    const many = await getLatency(`${server.url}/api/runs/inspect`, server.token, Math.ceil(requests / 3), { run_ids: seed.liveRunIds });
    figures.inspect_many_1000_p50_ms = many.p50_ms;
    figures.inspect_many_1000_p99_ms = many.p99_ms;
    figures.inspect_many_response_kb = many.bytes / 1024;
    const activeInspected = await getLatency(`${server.url}/api/workers/active?inspect=1`, server.token, Math.ceil(requests / 3));
    figures.active_inspect_p50_ms = activeInspected.p50_ms;
    figures.active_inspect_p99_ms = activeInspected.p99_ms;

    const heartbeats = await httpHeartbeats(server.url, server.token, opts.quick ? 3 : 8);
    figures.heartbeats_http_per_s = heartbeats.ok / heartbeats.seconds;
    figures.heartbeats_http_rejected = heartbeats.sent - heartbeats.ok;
    // One request per beat is bounded by the per-request HTTP cost; a batch shows what ingest itself takes.
    const batched = await httpHeartbeats(server.url, server.token, opts.quick ? 3 : 8, HEARTBEAT_BATCH);
    figures.heartbeats_http_batch_per_s = batched.ok / batched.seconds;
    figures.heartbeats_http_batch_size = HEARTBEAT_BATCH;
    figures.heartbeats_http_batch_rejected = batched.sent - batched.ok;
    figures.server_rss_mb = residentMegabytes(server.pid);
  } finally {
    await child.stop();
    for (const worker of workers) worker.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  try {
    Object.assign(figures, await measureRegistry(NATS_URL, 10_000, opts.quick ? 100_000 : 500_000));
  } catch (err) {
    figures.nats_error = err instanceof Error ? err.message : String(err);
  }
  return figures;
}

/** Two client processes with 16 keep-alive connections each, for `seconds`; `batch` beats per request when > 0. */
async function httpHeartbeats(
  url: string,
  token: string,
  seconds: number,
  batch = 0,
): Promise<{ sent: number; ok: number; seconds: number }> {
  const clients = [0, 1].map(
    () =>
      new JsonLineChild('./heartbeat-client.ts', [url, token, String(seconds), '16', HEARTBEAT_NAMES.join(','), String(batch)]),
  );
  try {
    const done = await Promise.all(clients.map((c) => c.waitFor((e) => e.event === 'done', (seconds + 30) * 1000)));
    let sent = 0;
    let ok = 0;
    let longest = 0;
    for (const line of done) {
      if (!line) throw new Error('a heartbeat client did not finish');
      const report = line as unknown as { sent: number; ok: number; seconds: number };
      sent += report.sent;
      ok += report.ok;
      longest = Math.max(longest, report.seconds);
    }
    return { sent, ok, seconds: longest };
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
  }
}

/**
 * Lease renewals of the seeded live runs (tokens bench-token-<i>) at `perSecond`, round robin, through
 * the server's API as workers send them (POST /api/runs/:id/heartbeat), until stopped; stop() answers
 * how many went through.
 */
export function runHeartbeats(client: PulseboardClient, runIds: readonly number[], perSecond: number): { stop(): Promise<number> } {
  return runAtRate(perSecond, (n) => client.heartbeat(runIds[n % runIds.length]!, { claim_token: `bench-token-${n % runIds.length}` }));
}

/** Tasks created at `perSecond` through the server's API until stopped; stop() answers how many were. */
function runTaskCreations(client: PulseboardClient, perSecond: number): { stop(): Promise<number> } {
  return runAtRate(perSecond, (n) => client.createTask({ title: `bench change ${n}` }));
}

/** Calls `send(n)` for n = 0, 1, ... at `perSecond` until stopped; stop() waits for those in flight and answers how many succeeded. */
function runAtRate(perSecond: number, send: (n: number) => Promise<unknown>): { stop(): Promise<number> } {
  let done = 0;
  let next = 0;
  const inFlight = new Set<Promise<unknown>>();
  const timer = setInterval(() => {
    const call = send(next++).then(() => done++);
    inFlight.add(call);
    void call.finally(() => inFlight.delete(call));
  }, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return done;
    },
  };
}

interface ServerReady {
  url: string;
  token: string;
  home: string;
  pid: number;
}

/** VmRSS of a process, in MiB. */
function residentMegabytes(pid: number): number | null {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : null;
}
