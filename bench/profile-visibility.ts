/**
 * `npx tsx bench/profile-visibility.ts [outDir] [--heap]`: the visibility scenario (1,000 live, 1,000,000 ended
 * runs) with the V8 profiler on for each phase alone, so each missed target gets its own profile.
 * Read one with `npx tsx bench/cpuprofile-top.ts <outDir>/<phase>.cpuprofile`. With `--heap`, a sampled
 * allocation profile per phase instead (`<phase>.heapprofile`, garbage included; open it in Chrome's
 * DevTools, Memory tab).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { spawn } from 'node:child_process';
import { localHostName, readProcessStartTime } from '../src/adapters/process/proc-inspector.js';
import { startBenchServer } from './pulseboard-server.js';
import { seedRuns } from './sections/seed-sqlite.js';
import { getLatency } from './sections/http-latency.js';
import { runHeartbeats } from './sections/visibility.js';
import { createClient } from '../src/sdk/client.js';
import { JsonLineChild } from './children/spawn.js';

const heap = process.argv.includes('--heap');
const outDir = process.argv.slice(2).find((arg) => arg !== '--heap') ?? mkdtempSync(path.join(os.tmpdir(), 'pulseboard-profiles-'));
mkdirSync(outDir, { recursive: true });
const names = Array.from({ length: 100 }, (_, i) => `bench-${i}`);
const dir = mkdtempSync(path.join(os.tmpdir(), 'pulseboard-bench-prof-'));
const server = await startBenchServer({ dir, config: { workers: names } });
const session = new Session();
// A real process behind each live run (as in the benchmark's visibility section), so the inspect
// phases read a thousand /proc entries rather than one.
const workers = Array.from({ length: 1000 }, () => spawn('sleep', ['3600'], { stdio: 'ignore' }));
try {
  const seed = seedRuns({
    dbPath: path.join(server.home, 'pulseboard.db'),
    board: 'default',
    liveRuns: 1000,
    endedRuns: 1_000_000,
    doneTasks: 1000,
    workers: workers.map((w) => ({ pid: w.pid as number, startedAt: readProcessStartTime(w.pid as number) })),
    host: localHostName(),
  });
  session.connect();
  await session.post(heap ? 'HeapProfiler.enable' : 'Profiler.enable');
  const phase = async (name: string, work: () => Promise<unknown>): Promise<void> => {
    if (heap) {
      // Garbage included: what a phase allocates and drops is what makes the collector pause.
      await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      const figures = await work();
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(path.join(outDir, `${name}.heapprofile`), JSON.stringify(profile));
      console.log(name, JSON.stringify(figures));
      return;
    }
    await session.post('Profiler.start');
    const figures = await work();
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(path.join(outDir, `${name}.cpuprofile`), JSON.stringify(profile));
    console.log(name, JSON.stringify(figures));
  };
  await phase('active', () => getLatency(`${server.url}/api/workers/active`, server.token, 200));
  // The listing while 100 leases a second renew (the renewals are sent from this process too).
  await phase('active-beating', async () => {
    const beating = runHeartbeats(createClient({ url: server.url, token: server.token }), seed.liveRunIds, 100);
    try {
      return await getLatency(`${server.url}/api/workers/active`, server.token, 600);
    } finally {
      await beating.stop();
    }
  });
  await phase('board', () => getLatency(`${server.url}/api/board`, server.token, 60));
  await phase('inspect', () => getLatency(`${server.url}/api/runs/${seed.liveRunIds[0]}/inspect`, server.token, 200));
  await phase('inspect-many', () => getLatency(`${server.url}/api/runs/inspect`, server.token, 100, { run_ids: seed.liveRunIds }));
  await phase('active-inspect', () => getLatency(`${server.url}/api/workers/active?inspect=1`, server.token, 100));
  await phase('heartbeats', async () => {
    const clients = [0, 1].map(() => new JsonLineChild('./heartbeat-client.ts', [server.url, server.token, '6', '16', names.join(',')]));
    try {
      return await Promise.all(clients.map((c) => c.waitFor((e) => e.event === 'done', 60_000)));
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  });
  console.log(`profiles in ${outDir}`);
} finally {
  for (const w of workers) w.kill();
  session.disconnect();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
