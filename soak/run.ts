// npm run soak [-- --minutes 60 --rate 50 --retention-minutes 10]: steady load through the HTTP API against a real server
// process (loopback only, stops by itself after --minutes): SDK workers over HTTP draining tasks made at
// --rate per second, a comment a second, registry beats of 20 workers a second, an event stream, and a
// dashboard's reads every 2 s. Every 10 s it samples the server's RSS and open fds from /proc and its
// event-loop delay (perf_hooks, measured inside the server). Exit 1 when RSS or fds grew, or a delay
// passed 100 ms.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort, loopbackServerEnv } from '../chaos/loopback-server.js';
import { createClient } from '../src/sdk/client.js';

const TSX = fileURLToPath(new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url));
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const SAMPLE_SECONDS = 10;
const REGISTRY_WORKERS = 20;
const WORKERS = 2;
const MAX_DELAY_MS = 100;

const args = process.argv.slice(2);
const arg = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const minutes = arg('minutes', 60);
const rate = arg('rate', 50);
// --retention-minutes: how old an event gets before it is pruned (once a minute), so a short run
// reaches the pruning phase of a long one.
const retentionMinutes = arg('retention-minutes', 10);
// --profile: the server writes a CPU profile (--cpu-prof) into this folder when it exits.
const profileAt = args.indexOf('--profile');
const profileDir = profileAt >= 0 ? args[profileAt + 1] : undefined;
// --server-cpus 1: the server runs alone on these CPUs (taskset), so a shared machine's other work
// (the load generators included) does not stand in its event loop's way.
const cpusAt = args.indexOf('--server-cpus');
const serverCpus = cpusAt >= 0 ? args[cpusAt + 1] : undefined;

interface Sample {
  t: number;
  rss_mb: number;
  fds: number;
  eld_max_ms: number;
  eld_p99_ms: number;
  gc_max_ms: number;
  control_eld_max_ms: number;
  io_wait_ms: number;
  runq_wait_ms: number;
  wal_mb: number;
  done: number;
  ready: number;
  load: number;
}


function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 102.4) / 10 : Number.NaN;
}

/**
 * Where the server's main thread waited, in ms since it started: for block I/O (field 42 of its
 * stat, kept only with delay accounting on: sysctl kernel.task_delayacct=1) and for a CPU (schedstat).
 */
function mainThreadWaits(pid: number): { io_ms: number; runq_ms: number } {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const schedstat = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ');
  return { io_ms: Number(fields[39]) * 10, runq_ms: Number(schedstat[1]) / 1e6 };
}

function walMb(path: string): number {
  return existsSync(path) ? round(statSync(path).size / 1048576) : 0;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const round = (x: number) => Math.round(x * 10) / 10;

const dir = mkdtempSync(join(tmpdir(), 'pulseboard-soak-'));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const adminToken = randomBytes(24).toString('base64url');
// Events older than --retention-minutes are pruned every minute: the soak runs the retention too.
const registryNames = Array.from({ length: REGISTRY_WORKERS }, (_, i) => `soak-registry-${i}`);
writeFileSync(
  join(dir, 'pulseboard.config.json'),
  JSON.stringify({ workers: registryNames, event_retention: { max_age_days: retentionMinutes / 1440, interval_seconds: 60 } }),
);
const env = loopbackServerEnv({ home: join(dir, 'home'), port, token: adminToken, extra: { SOAK_CWD: dir, SOAK_REPORT_SECONDS: String(SAMPLE_SECONDS) } });

const children: ChildProcess[] = [];
const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
const serverArgs = [...profiling, '--import', TSX, SERVER];
// taskset execs node in its own process, so the pid sampled below is the server's.
const server = serverCpus
  ? spawn('taskset', ['-c', serverCpus, process.execPath, ...serverArgs], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  : spawn(process.execPath, serverArgs, { env, stdio: ['ignore', 'pipe', 'inherit'] });
children.push(server);
let delays: { eld_max_ms: number; eld_p99_ms: number; gc_max_ms: number } = { eld_max_ms: 0, eld_p99_ms: 0, gc_max_ms: 0 };
let serverOut = '';
let ready = false;
server.stdout!.on('data', (chunk: Buffer) => {
  serverOut += chunk.toString();
  const lines = serverOut.split('\n');
  serverOut = lines.pop()!;
  for (const line of lines) {
    if (line === 'ready') ready = true;
    else if (line.startsWith('{')) delays = JSON.parse(line) as typeof delays;
  }
});
for (let waited = 0; !ready; waited += 50) {
  if (server.exitCode !== null || waited > 60_000) throw new Error('soak server did not start');
  await sleep(50);
}
// A control: an idle process measuring its own event-loop delay the same way. When it too is held up,
// the machine (other processes on its cores, the disk) delayed everyone, not the server its own work.
const control = spawn(
  process.execPath,
  ['-e', `const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 }); h.enable(); setInterval(() => { process.stdout.write(JSON.stringify({ max: h.max / 1e6 }) + '\\n'); h.reset(); }, ${SAMPLE_SECONDS * 1000});`],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
children.push(control);
let controlMax = 0;
control.stdout!.on('data', (chunk: Buffer) => {
  for (const line of chunk.toString().split('\n')) if (line.startsWith('{')) controlMax = Math.round((JSON.parse(line) as { max: number }).max * 100) / 100;
});
const admin = createClient({ url, token: adminToken });
for (let i = 1; i <= WORKERS; i++) {
  const token = (await admin.createToken('worker', `soak-${i}`)).token;
  children.push(spawn(process.execPath, ['--import', TSX, WORKER, `soak-${i}`], { env: { ...env, PULSEBOARD_TOKEN: token }, stdio: ['ignore', 'ignore', 'inherit'] }));
}

const startedAt = Date.now();
const endAt = startedAt + minutes * 60_000;
const running = () => Date.now() < endAt;
const errors = new Map<string, number>();
const failed = (where: string) => (err: unknown) => {
  const key = `${where}: ${(err as Error).message.slice(0, 100)}`;
  errors.set(key, (errors.get(key) ?? 0) + 1);
};
const every = async (ms: number, what: string, work: () => Promise<unknown>) => {
  while (running()) {
    const began = Date.now();
    await work().catch(failed(what));
    await sleep(Math.max(0, ms - (Date.now() - began)));
  }
};

let made = 0;
let streamed = 0;
let completed = 0;
const loops = [
  // Tasks in batches of a tenth of a second's worth.
  every(100, 'create', async () => {
    const n = Math.max(1, Math.round(rate / 10));
    await admin.createTasks(Array.from({ length: n }, () => ({ title: `soak ${made++}`, board: 'soak' })));
  }),
  every(1000, 'comment', async () => {
    const task = await admin.createTask({ title: `soak commented ${made++}`, board: 'soak' });
    await admin.addComment(task.id, `a comment on ${task.id}`);
  }),
  every(1000, 'registry', () => Promise.all(registryNames.map((name, i) => admin.publishHealth(name, { i })))),
  every(2000, 'dashboard', async () => {
    const active = await admin.activeRuns();
    await Promise.all([admin.board('soak'), admin.workers(), fetch(`${url}/api/stats`, { headers: { authorization: `Bearer ${adminToken}` } }).then((r) => r.arrayBuffer())]);
    if (active.workers.length > 0) await admin.inspectRuns(active.workers.slice(0, 50).map((w) => w.run_id));
  }),
  (async () => {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), endAt - Date.now());
    let lastEventId: number | undefined;
    while (running()) {
      try {
        for await (const event of admin.events({ signal: abort.signal, ...(lastEventId === undefined ? {} : { lastEventId }) })) {
          streamed++;
          if (event.kind === 'completed') completed++;
          lastEventId = event.id;
        }
      } catch (err) {
        if (running()) failed('events')(err);
        await sleep(500);
      }
    }
    clearTimeout(timer);
  })(),
];

const samples: Sample[] = [];
let waited = mainThreadWaits(server.pid!);
const sampler = every(SAMPLE_SECONDS * 1000, 'sample', async () => {
  await sleep(200); // just after the server's own delay line
  const board = await admin.board('soak');
  const waits = mainThreadWaits(server.pid!);
  const sample: Sample = {
    t: Math.round((Date.now() - startedAt) / 1000),
    rss_mb: rssMb(server.pid!),
    fds: readdirSync(`/proc/${server.pid}/fd`).length,
    eld_max_ms: delays.eld_max_ms,
    eld_p99_ms: delays.eld_p99_ms,
    gc_max_ms: delays.gc_max_ms,
    control_eld_max_ms: controlMax,
    io_wait_ms: Math.round(waits.io_ms - waited.io_ms),
    runq_wait_ms: Math.round(waits.runq_ms - waited.runq_ms),
    wal_mb: walMb(join(dir, 'home', 'pulseboard.db-wal')),
    done: completed,
    ready: board.columns.find((c) => c.name === 'ready')?.tasks.length ?? 0,
    load: round(loadavg()[0]!),
  };
  waited = waits;
  samples.push(sample);
  if (samples.length % 6 === 1 || sample.eld_max_ms >= MAX_DELAY_MS) console.log(JSON.stringify(sample));
});

await Promise.all([...loops, sampler]);
for (const child of children.slice(1)) child.kill('SIGTERM');
await sleep(3000);
server.kill('SIGTERM');
await sleep(1000);
for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });

// The first tenth (at least a minute) is warm-up: caches, JIT, SQLite's page cache filling.
const warm = samples.filter((s) => s.t >= Math.max(60, (minutes * 60) / 10));
const third = Math.max(1, Math.floor(warm.length / 3));
const early = warm.slice(0, third);
const late = warm.slice(-third);
const rssGrowth = mean(late.map((s) => s.rss_mb)) - mean(early.map((s) => s.rss_mb));
const fdsSpread = Math.max(...warm.map((s) => s.fds)) - Math.min(...warm.map((s) => s.fds));
const worstDelay = Math.max(...warm.map((s) => s.eld_max_ms));
const rssLimit = Math.max(20, mean(early.map((s) => s.rss_mb)) * 0.1);
const last = samples.at(-1)!;
const report = {
  minutes,
  tasks_per_s: rate,
  tasks_made: made,
  tasks_completed: last.done,
  tasks_ready_at_end: last.ready,
  events_streamed: streamed,
  rss_mb: { first: early[0]?.rss_mb, early_mean: round(mean(early.map((s) => s.rss_mb))), late_mean: round(mean(late.map((s) => s.rss_mb))), max: Math.max(...warm.map((s) => s.rss_mb)), growth: round(rssGrowth), limit: round(rssLimit) },
  wal_mb_max: Math.max(...samples.map((s) => s.wal_mb)),
  fds: { min: Math.min(...warm.map((s) => s.fds)), max: Math.max(...warm.map((s) => s.fds)), spread: fdsSpread },
  event_loop_delay_ms: { max: worstDelay, p99_max: Math.max(...warm.map((s) => s.eld_p99_ms)), p99_mean: round(mean(warm.map((s) => s.eld_p99_ms))), gc_pause_max: Math.max(...warm.map((s) => s.gc_max_ms)) },
  // The idle control process's worst delay, and the server's worst in the samples where the control stayed under the limit.
  control_event_loop_delay_ms: { max: Math.max(...warm.map((s) => s.control_eld_max_ms)), server_max_when_control_ok: Math.max(0, ...warm.filter((s) => s.control_eld_max_ms < MAX_DELAY_MS).map((s) => s.eld_max_ms)) },
  // Of the samples with a delay over the limit: how many also saw the main thread wait for the disk.
  delays_over_limit: warm.filter((s) => s.eld_max_ms >= MAX_DELAY_MS).length,
  of_those_with_io_wait_over_limit: warm.filter((s) => s.eld_max_ms >= MAX_DELAY_MS && s.io_wait_ms >= MAX_DELAY_MS).length,
  load_avg_mean: round(mean(samples.map((s) => s.load))),
  errors: Object.fromEntries(errors),
};
console.log(JSON.stringify(report, null, 2));
console.log(`server cpus: ${serverCpus ?? 'shared'}; load generators and control on the rest`);
const ok = rssGrowth <= rssLimit && fdsSpread <= 20 && worstDelay < MAX_DELAY_MS && errors.size === 0 && last.ready < rate * 60;
console.log(ok ? 'soak: flat' : 'soak: FAILED (see the figures above)');
process.exit(ok ? 0 : 1);
