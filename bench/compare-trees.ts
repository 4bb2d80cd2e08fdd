/**
 * `npm run bench:trees -- <treeA> <treeB> [--pairs 10] [--phases idle,beating,board,hb,hbbatch] [--stat p50|p99] [--ended 1000000]`
 *
 * Two checkouts of Pulseboard (a worktree of the baseline and this one, say) measured side by side:
 * each runs its own bench server (its bench/children/server-child.ts), seeded by its own seeder as the
 * visibility section seeds one, and each phase is measured on one then the other in short windows taken
 * in turn, the order flipped every pair. The machine's speed drifting between runs minutes apart then
 * falls on both alike: on a shared 2-core machine one visibility run's p50 swings by a third from one
 * run to the next while the code stays the same, so two separate `npm run bench` runs cannot tell a
 * change of a few percent. A second half repeats everything with the servers started in the other
 * order, because the server started second measured consistently slower on this machine even against
 * a copy of itself (a beating p99 1.8x). What it prints per phase and per half: the median of each side
 * and the median of the pair ratios B/A; below 1 is B faster (for rates, B/A above 1 is B faster).
 * Then the geometric mean of the two halves' ratios.
 *
 * Phases: idle (GET /api/workers/active, 300 requests), beating (the same while 100 leases a second
 * renew), board (GET /api/board, 100 requests), hb and hbbatch (health beats, one per request or 1,000 a
 * request, 2 s from 2 client processes of 16 connections). A checkout must have the bench modules this
 * one has (children/spawn.ts, sections/seed-sqlite.ts, sections/http-latency.ts); its node_modules may
 * be a link to this one's.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median, sleep } from './stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: 'string', default: '10' },
    phases: { type: 'string', default: 'idle,beating,board,hb' },
    stat: { type: 'string', default: 'p50' },
    ended: { type: 'string', default: '1000000' },
  },
});
const [treeA, treeB] = positionals.map((tree) => path.resolve(tree));
const PHASES = ['idle', 'beating', 'board', 'hb', 'hbbatch'] as const;
type Phase = (typeof PHASES)[number];
const phases = (values.phases ?? '').split(',') as Phase[];
const pairs = Number(values.pairs);
const endedRuns = Number(values.ended);
if (!treeA || !treeB || phases.some((p) => !PHASES.includes(p)) || !(pairs >= 1) || !(endedRuns >= 0) || !['p50', 'p99'].includes(values.stat ?? '')) {
  console.error(`usage: bench:trees <treeA> <treeB> [--pairs N] [--phases ${PHASES.join(',')}] [--stat p50|p99] [--ended N]`);
  process.exit(2);
}

const WORKER_NAMES = Array.from({ length: 100 }, (_, i) => `bench-${i}`);
const LIVE_RUNS = 1000;

/** What this script uses of another checkout's bench modules. */
interface TreeModules {
  JsonLineChild: new (script: string, args: string[]) => LineChild;
  seedRuns: (opts: Record<string, unknown>) => { liveRunIds: number[] };
  getLatency: (url: string, token: string, requests: number) => Promise<{ p50_ms: number; p99_ms: number }>;
  readProcessStartTime: (pid: number) => number | null;
  localHostName: () => string;
}
interface LineChild {
  waitFor(match: (event: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown> | null>;
  stop(): Promise<void>;
}

async function modulesOf(tree: string): Promise<TreeModules> {
  const load = (file: string) => import(path.join(tree, file)) as Promise<Record<string, unknown>>;
  const [children, seed, latency, proc] = await Promise.all([
    load('bench/children/spawn.ts'),
    load('bench/sections/seed-sqlite.ts'),
    load('bench/sections/http-latency.ts'),
    load('src/adapters/process/proc-inspector.ts'),
  ]);
  return {
    JsonLineChild: children.JsonLineChild,
    seedRuns: seed.seedRuns,
    getLatency: latency.getLatency,
    readProcessStartTime: proc.readProcessStartTime,
    localHostName: proc.localHostName,
  } as TreeModules;
}

interface Side {
  tree: string;
  modules: TreeModules;
  dir: string;
  server: LineChild;
  url: string;
  token: string;
  liveRunIds: number[];
}

async function startSide(tree: string, workers: readonly ChildProcess[]): Promise<Side> {
  const modules = await modulesOf(tree);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulseboard-trees-'));
  const server = new modules.JsonLineChild(path.join(tree, 'bench/children/server-child.ts'), [dir, JSON.stringify({ workers: WORKER_NAMES })]);
  const ready = (await server.waitFor((e) => e.event === 'ready', 60_000)) as { url: string; token: string; home: string } | null;
  if (!ready) throw new Error(`${tree}: the server did not start`);
  let liveRunIds: number[] = [];
  if (phases.some((p) => p === 'idle' || p === 'beating' || p === 'board')) {
    const processes = workers.map((w) => ({ pid: w.pid as number, startedAt: modules.readProcessStartTime(w.pid as number) }));
    // Both spellings of the live runs' processes: older seeders took one pid, newer ones a list.
    liveRunIds = modules.seedRuns({
      dbPath: path.join(ready.home, 'pulseboard.db'),
      board: 'default',
      liveRuns: LIVE_RUNS,
      endedRuns,
      doneTasks: 1000,
      workers: processes,
      workerPid: processes[0]?.pid,
      workerStartedAt: processes[0]?.startedAt,
      host: modules.localHostName(),
    }).liveRunIds;
  }
  return { tree, modules, dir, server, url: ready.url, token: ready.token, liveRunIds };
}

/** One window of `phase` on `side`: a latency in ms, or beats per second. */
async function measure(side: Side, phase: Phase): Promise<number> {
  if (phase === 'hb' || phase === 'hbbatch') {
    const batch = phase === 'hb' ? '0' : '1000';
    const script = path.join(side.tree, 'bench/children/heartbeat-client.ts');
    const clients = [0, 1].map(() => new side.modules.JsonLineChild(script, [side.url, side.token, '2', '16', WORKER_NAMES.join(','), batch]));
    try {
      const done = await Promise.all(clients.map((c) => c.waitFor((e) => e.event === 'done', 60_000)));
      const reports = done.map((d) => d as { ok: number; seconds: number } | null);
      if (reports.some((r) => r === null)) throw new Error('a heartbeat client did not finish');
      const ok = reports.reduce((sum, r) => sum + (r?.ok ?? 0), 0);
      return ok / Math.max(...reports.map((r) => r?.seconds ?? 0));
    } finally {
      await Promise.all(clients.map((c) => c.stop()));
    }
  }
  const url = `${side.url}${phase === 'board' ? '/api/board' : '/api/workers/active'}`;
  let beats: NodeJS.Timeout | null = null;
  const pending = new Set<Promise<unknown>>();
  if (phase === 'beating') {
    let n = 0;
    beats = setInterval(() => {
      const i = n++ % side.liveRunIds.length;
      const beat = fetch(`${side.url}/api/runs/${side.liveRunIds[i]}/heartbeat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${side.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ claim_token: `bench-token-${i}` }),
      }).then((r) => r.arrayBuffer());
      pending.add(beat);
      void beat.finally(() => pending.delete(beat));
    }, 10);
  }
  try {
    const latency = await side.modules.getLatency(url, side.token, phase === 'board' ? 100 : 300);
    return values.stat === 'p99' ? latency.p99_ms : latency.p50_ms;
  } finally {
    if (beats) clearInterval(beats);
    await Promise.allSettled([...pending]);
  }
}

async function half(first: string, second: string): Promise<Map<Phase, { a: number[]; b: number[] }>> {
  const workers = Array.from({ length: LIVE_RUNS }, () => spawn('sleep', ['3600'], { stdio: 'ignore' }));
  const started: Side[] = [];
  try {
    started.push(await startSide(first, workers));
    started.push(await startSide(second, workers));
    const sideA = started.find((s) => s.tree === treeA) as Side;
    const sideB = started.find((s) => s.tree === treeB && s !== sideA) as Side;
    await sleep(3000);
    const figures = new Map<Phase, { a: number[]; b: number[] }>();
    for (const phase of phases) {
      const got = { a: [] as number[], b: [] as number[] };
      for (let p = 0; p < pairs; p++) {
        for (const side of p % 2 === 0 ? [sideA, sideB] : [sideB, sideA]) {
          (side === sideA ? got.a : got.b).push(await measure(side, phase));
          // Leases renewed in a window are committed before the other side's window starts.
          await sleep(phase === 'beating' ? 1500 : 300);
        }
      }
      figures.set(phase, got);
    }
    return figures;
  } finally {
    for (const side of started) {
      await side.server.stop();
      rmSync(side.dir, { recursive: true, force: true });
    }
    for (const worker of workers) worker.kill('SIGKILL');
  }
}

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(3));
const ratios = new Map<Phase, number[]>();
for (const [label, order] of [
  ['A started first', [treeA, treeB]],
  ['B started first', [treeB, treeA]],
] as const) {
  console.log(`## ${label} (A ${treeA}, B ${treeB}; ${values.stat}, ${pairs} pairs)`);
  for (const [phase, { a, b }] of await half(order[0], order[1])) {
    const pairRatios = a.map((x, i) => (b[i] as number) / x);
    const ratio = median(pairRatios);
    ratios.set(phase, [...(ratios.get(phase) ?? []), ratio]);
    console.log(`${phase.padEnd(8)} A ${fmt(median(a))}  B ${fmt(median(b))}  B/A ${ratio.toFixed(3)}  [${pairRatios.map((r) => r.toFixed(2)).join(' ')}]`);
  }
}
console.log('## both halves: geometric mean of B/A');
for (const [phase, both] of ratios) console.log(`${phase.padEnd(8)} ${Math.sqrt((both[0] as number) * (both[1] as number)).toFixed(3)}`);
process.exit(0);
