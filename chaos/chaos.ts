import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openPostgresStore } from '../src/adapters/store/postgres/index.js';
import { openSqliteStore } from '../src/adapters/store/sqlite/index.js';
import type { EventRow, Run, TaskStatus } from '../src/core/types.js';
import type { NewTask, Store } from '../src/ports/store.js';
import { issueToken } from '../src/services/tokens.js';
import { freePort, loopbackServerEnv } from './loopback-server.js';
import { readLines } from './log-lines.js';
import type { LogLine } from './log-lines.js';

const TSX = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const CHILD = fileURLToPath(new URL('./child.mjs', import.meta.url));
const BOARD = 'chaos';

export interface ChaosOptions {
  store: 'sqlite' | 'postgres';
  tasks: number;
  /** Hard stop: the run ends by itself after this long, finished or not. */
  maxSeconds: number;
  httpWorkers: number;
  storeWorkers: number;
  /** Share of tasks the server's dispatcher runs as child processes. */
  childShare: number;
  /** One chaos action every this many ms, each picked at random. */
  actionEveryMs: number;
  serverRestarts: number;
  /** At most this many kill -9s and SIGSTOPs of workers (Infinity: as many as the time allows). */
  maxKills: number;
  maxStops: number;
  /** The last this many seconds before the deadline are calm: no chaos, the fleet drains what is left. */
  drainSeconds: number;
  ttlSeconds: number;
  postgresUrl: string;
  log?: (line: string) => void;
}

export interface ChaosReport {
  store: string;
  tasks: number;
  done: number;
  seconds: number;
  kills: number;
  stops: number;
  restarts: number;
  runs: number;
  reclaimed: number;
  reclaimDelayP50: number | null;
  reclaimDelayP99: number | null;
  duplicates: number;
  lost: number;
  /** Completions the server committed whose acknowledgement the worker never logged: it was killed in between. */
  ackLostToKill: number;
  /** Reclaimed runs whose frozen worker, woken, gave the task up (its handler aborted or its completion was refused). */
  fencedGaveUp: number;
  problems: string[];
  leftBehind: number[];
}

interface Proc {
  name: string;
  kind: 'server' | 'http' | 'store';
  child: ChildProcess;
  stoppedUntil: number;
  /** Said it is ready: a worker still starting is not yet worth a kill. */
  ready: boolean;
}


function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Pids whose command line carries the run's marker: what must be gone at the end. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const id = randomBytes(4).toString('hex');
  const marker = `--chaos-run=${id}`;
  const dir = mkdtempSync(join(tmpdir(), `pulseboard-chaos-${opts.store}-`));
  const home = join(dir, 'home');
  const logs = join(dir, 'logs');
  mkdirSync(home, { recursive: true });
  mkdirSync(logs);
  const port = await freePort();
  const adminToken = randomBytes(24).toString('base64url');
  const database = `pulseboard_chaos_${id}`;
  const adminPg = opts.store === 'postgres' ? new pg.Client({ connectionString: opts.postgresUrl }) : null;
  let databaseUrl: string | null = null;
  if (adminPg) {
    await adminPg.connect();
    await adminPg.query(`CREATE DATABASE ${database}`);
    const parsed = new URL(opts.postgresUrl);
    parsed.pathname = `/${database}`;
    databaseUrl = parsed.toString();
  }
  const storeLocation = databaseUrl ?? join(home, 'pulseboard.db');
  const openStore = (): Promise<Store> =>
    databaseUrl ? openPostgresStore({ connectionString: databaseUrl }) : openSqliteStore({ path: storeLocation, busyTimeoutMs: 30_000 });
  const started = Date.now();
  const deadline = started + opts.maxSeconds * 1000;
  const procs = new Map<string, Proc>();
  const counts = { kills: 0, stops: 0, restarts: 0 };
  let store: Store | null = null;
  try {
    writeFileSync(
      join(dir, 'pulseboard.config.json'),
      JSON.stringify({
        heartbeat_interval_seconds: 5,
        // The event log must replay to the final state at the end: nothing is pruned during the run.
        event_retention: { max_age_days: null, max_events_per_task: null },
        profiles: { child: { command: [process.execPath, CHILD, join(logs, 'children.log'), marker], concurrency: 4, lease_ttl_seconds: opts.ttlSeconds, max_attempts: 1000 } },
        max_concurrent_runs: 8,
      }),
    );
    store = await openStore();
    const workerTokens = new Map<string, string>();
    for (let i = 1; i <= opts.httpWorkers; i++) workerTokens.set(`http-${i}`, (await issueToken(store, { role: 'worker', name: `http-${i}` })).token);
    const childEvery = opts.childShare > 0 ? Math.round(1 / opts.childShare) : 0;
    for (let offset = 0; offset < opts.tasks; offset += 1000) {
      const batch: NewTask[] = [];
      for (let i = offset; i < Math.min(opts.tasks, offset + 1000); i++) {
        batch.push({ board: BOARD, title: `chaos ${i}`, max_attempts: 1000, assignee: childEvery > 0 && i % childEvery === 0 ? 'child' : null });
      }
      await store.createTasks(batch);
    }
    log(`chaos ${opts.store}: ${opts.tasks} tasks seeded in ${dir}`);

    const env = loopbackServerEnv({
      home,
      port,
      token: adminToken,
      extra: {
        CHAOS_CWD: dir,
        CHAOS_TTL_SECONDS: String(opts.ttlSeconds),
        CHAOS_STORE: storeLocation,
        ...(databaseUrl ? { PULSEBOARD_DATABASE_URL: databaseUrl } : {}),
      },
    });

    const startServer = async (): Promise<void> => {
      const child = spawn(process.execPath, ['--import', TSX, SERVER, marker], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      procs.set('server', { name: 'server', kind: 'server', child, stoppedUntil: 0, ready: true });
      for (let waited = 0; !output.includes('ready\n'); waited += 50) {
        if (child.exitCode !== null || waited > 60_000) throw new Error(`chaos server did not start: ${output.slice(-2000)}`);
        await sleep(50);
      }
    };
    const startWorker = (name: string, kind: 'http' | 'store'): void => {
      const child = spawn(process.execPath, ['--import', TSX, WORKER, kind, name, join(logs, `${name}.log`), marker], {
        env: { ...env, PULSEBOARD_TOKEN: workerTokens.get(name) ?? '' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const proc: Proc = { name, kind, child, stoppedUntil: 0, ready: false };
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) proc.ready = true;
      });
      procs.set(name, proc);
    };

    await startServer();
    for (let i = 1; i <= opts.httpWorkers; i++) startWorker(`http-${i}`, 'http');
    for (let i = 1; i <= opts.storeWorkers; i++) startWorker(`store-${i}`, 'store');

    // The driver: one random action per tick until every task is done or the deadline.
    let lastReport = 0;
    for (;;) {
      const done = (await store.countTasksByStatus(BOARD)).done;
      if (done >= opts.tasks || Date.now() > deadline) break;
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        log(`  ${Math.round((Date.now() - started) / 1000)} s: ${done}/${opts.tasks} done, ${counts.kills} kills, ${counts.stops} stops, ${counts.restarts} restarts`);
      }
      for (const p of procs.values()) {
        if (p.stoppedUntil > 0 && Date.now() > p.stoppedUntil) {
          p.child.kill('SIGCONT');
          p.stoppedUntil = 0;
        }
      }
      const workers = [...procs.values()].filter((p) => p.kind !== 'server' && p.stoppedUntil === 0 && p.ready);
      const roll = Math.random();
      const victim = workers[Math.floor(Math.random() * workers.length)];
      const elapsedShare = (Date.now() - started) / (opts.maxSeconds * 1000);
      // Server restarts spread over the run; the first after a fifth of the tasks are done.
      const restartDue = counts.restarts < opts.serverRestarts && done >= ((counts.restarts + 1) * opts.tasks) / (opts.serverRestarts + 2);
      const calm = Date.now() > deadline - opts.drainSeconds * 1000;
      if (calm) {
        // no chaos: the fleet drains what is left
      } else if (restartDue || (roll < 0.05 && counts.restarts < opts.serverRestarts && elapsedShare > 0.2)) {
        const server = procs.get('server')!;
        server.child.kill('SIGKILL');
        await exited(server.child);
        counts.restarts++;
        await sleep(300);
        await startServer();
      } else if (victim && roll < 0.55 && counts.kills < opts.maxKills) {
        victim.child.kill('SIGKILL');
        await exited(victim.child);
        counts.kills++;
        startWorker(victim.name, victim.kind as 'http' | 'store');
      } else if (victim && counts.stops < opts.maxStops) {
        // Frozen past its lease: the run is reclaimed meanwhile, and the worker must give it up when it wakes.
        victim.child.kill('SIGSTOP');
        victim.stoppedUntil = Date.now() + (opts.ttlSeconds + 1.5) * 1000;
        counts.stops++;
      }
      await sleep(opts.actionEveryMs);
    }
  } finally {
    for (const p of procs.values()) if (p.stoppedUntil > 0) p.child.kill('SIGCONT');
    for (const p of procs.values()) p.child.kill('SIGTERM');
    await Promise.race([Promise.all([...procs.values()].map((p) => exited(p.child))), sleep(15_000)]);
    for (const p of procs.values()) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all([...procs.values()].map((p) => exited(p.child)));
  }

  // Dispatched children of a killed server finish on their own; give them a moment, then look.
  let leftBehind = processesWith(marker);
  for (let waited = 0; leftBehind.length > 0 && waited < 10_000; waited += 200) {
    await sleep(200);
    leftBehind = processesWith(marker);
  }
  const seconds = (Date.now() - started) / 1000;
  try {
    const report = await verify(store!, readAllLogs(logs), opts, seconds, counts, leftBehind);
    for (const pid of leftBehind) process.kill(pid, 'SIGKILL');
    return report;
  } finally {
    await store?.close();
    if (adminPg) {
      await adminPg.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await adminPg.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A run as the store and its worker's lines tell it, for a problem's report. */
function describeRun(run: Run, lines: LogLine[]): string {
  const at = (t: number | null) => (t === null ? '-' : t.toFixed(3));
  const said = lines.map((l) => `${l.worker} ${l.ev}${l.ev === 'stop' ? `(${l.how})` : ''}@${at(l.t)}`).join(' ');
  return `run ${run.id} [store: ${run.worker} started ${at(run.started_at)} beat ${at(run.last_heartbeat_at)} expires ${at(run.claim_expires)} ended ${at(run.ended_at)} ${run.outcome}; lines: ${said}]`;
}

function readAllLogs(dir: string): LogLine[] {
  return readdirSync(dir).flatMap((file) => readLines(join(dir, file)));
}

/** The end checks: from the workers' own lines, the store's rows and the event log alone. */
async function verify(
  store: Store,
  lines: LogLine[],
  opts: ChaosOptions,
  seconds: number,
  counts: { kills: number; stops: number; restarts: number },
  leftBehind: number[],
): Promise<ChaosReport> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 50) problems.push(text);
  };
  const tasks = await store.listTasks({ board: BOARD });
  const byRun = new Map<number, LogLine[]>();
  const acksByTask = new Map<string, number>();
  const sentRuns = new Set<number>();
  for (const line of lines) {
    (byRun.get(line.run) ?? byRun.set(line.run, []).get(line.run)!).push(line);
    if (line.ev === 'ack') acksByTask.set(line.task, (acksByTask.get(line.task) ?? 0) + 1);
    if (line.ev === 'sent') sentRuns.add(line.run);
  }
  let runsTotal = 0;
  let reclaimed = 0;
  let ackLostToKill = 0;
  let fencedGaveUp = 0;
  const delays: number[] = [];
  for (const task of tasks) {
    const runs: Run[] = await store.listRuns(task.id);
    runsTotal += runs.length;
    const completed = runs.filter((r) => r.outcome === 'completed');
    if (task.status === 'done' && completed.length !== 1) problem(`${task.id}: ${completed.length} completed runs`);
    for (const run of runs) {
      const own = byRun.get(run.id) ?? [];
      if (run.outcome === null) problem(`run ${run.id} of ${task.id} never ended`);
      const acked = own.some((l) => l.ev === 'ack');
      if (acked && run.outcome !== 'completed') problem(`run ${run.id}: its worker saw its completion acknowledged, the store says ${run.outcome}`);
      if (run.outcome === 'completed' && !acked) {
        if (sentRuns.has(run.id)) ackLostToKill++;
        else problem(`run ${run.id} completed though its worker never sent a completion`);
      }
      if (run.outcome === 'reclaimed') {
        reclaimed++;
        if (own.some((l) => (l.ev === 'stop' && l.how === 'aborted') || l.ev === 'refused')) fencedGaveUp++;
      }
    }
    // Live intervals: from the handler's start line to its stop line or the run's end in the store, whichever came first.
    const intervals = runs
      .map((run) => {
        const own = byRun.get(run.id) ?? [];
        const start = own.find((l) => l.ev === 'start')?.t;
        const stop = own.find((l) => l.ev === 'stop')?.t ?? Infinity;
        return start === undefined ? null : { run: run.id, start, end: Math.min(stop, run.ended_at ?? Infinity) };
      })
      .filter((i): i is { run: number; start: number; end: number } => i !== null)
      .sort((a, b) => a.start - b.start);
    for (let i = 1; i < intervals.length; i++) {
      if (intervals[i]!.start < intervals[i - 1]!.end) {
        const [earlier, later] = [intervals[i - 1]!.run, intervals[i]!.run].map((id) => describeRun(runs.find((r) => r.id === id)!, byRun.get(id) ?? []));
        problem(`${task.id}: run ${intervals[i]!.run} started while run ${intervals[i - 1]!.run} was live; ${earlier}; ${later}`);
      }
    }
    const ordered = [...runs].sort((a, b) => a.started_at - b.started_at);
    for (let i = 1; i < ordered.length; i++) {
      const lostRun = ordered[i - 1]!;
      if (lostRun.outcome === 'reclaimed' && lostRun.last_heartbeat_at !== null) delays.push(ordered[i]!.started_at - lostRun.last_heartbeat_at);
    }
  }
  const duplicates = [...acksByTask.values()].filter((n) => n > 1).length;
  const lost = tasks.filter((t) => t.status !== 'done').length;

  // Replay: the event log alone, folded in id order, must give every task its final status.
  const replayed = new Map<string, TaskStatus>();
  for (let after = 0; ; ) {
    const page: EventRow[] = await store.listEvents({ board: BOARD, after_id: after, limit: 10_000 });
    if (page.length === 0) break;
    for (const event of page) {
      const payload = event.payload as Record<string, unknown>;
      const status = event.kind === 'claimed' ? 'running' : (payload.task_status ?? payload.to ?? (event.kind === 'task_created' ? payload.status : undefined));
      if (event.task_id && typeof status === 'string') replayed.set(event.task_id, status as TaskStatus);
    }
    after = page.at(-1)!.id;
  }
  for (const task of tasks) {
    if (replayed.get(task.id) !== task.status) problem(`${task.id}: the event log replays to ${replayed.get(task.id)}, the task is ${task.status}`);
  }
  if (leftBehind.length > 0) problem(`processes left behind: ${leftBehind.join(', ')}`);
  delays.sort((a, b) => a - b);
  return {
    store: opts.store,
    tasks: opts.tasks,
    done: opts.tasks - lost,
    seconds,
    ...counts,
    runs: runsTotal,
    reclaimed,
    reclaimDelayP50: quantile(delays, 0.5),
    reclaimDelayP99: quantile(delays, 0.99),
    duplicates,
    lost,
    ackLostToKill,
    fencedGaveUp,
    problems,
    leftBehind,
  };
}

export function formatReport(r: ChaosReport): string {
  const s = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)} s`);
  return [
    `chaos ${r.store}: tasks ${r.tasks}, done ${r.done} in ${r.seconds.toFixed(0)} s; runs ${r.runs}`,
    `  kills ${r.kills} (kill -9 of a worker), stops ${r.stops} (SIGSTOP past the lease, then SIGCONT), restarts ${r.restarts} (kill -9 of the server)`,
    `  reclaimed runs ${r.reclaimed}, reclaim delay (last heartbeat of the lost run -> next claim) p50 ${s(r.reclaimDelayP50)} p99 ${s(r.reclaimDelayP99)}`,
    `  frozen workers that gave their reclaimed run up on waking ${r.fencedGaveUp}`,
    `  duplicates = ${r.duplicates}, lost = ${r.lost}, acknowledgements lost to a kill = ${r.ackLostToKill}, processes left behind = ${r.leftBehind.length}`,
    ...(r.problems.length > 0 ? ['  PROBLEMS:', ...r.problems.map((p) => `    ${p}`)] : ['  every end check passed']),
  ].join('\n');
}
