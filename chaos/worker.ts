// A chaos worker process: the SDK worker over HTTP (`http`) or on the store in this process (`store`),
// logging each run's handler start/stop and each completion's acknowledgement (log-lines.ts).
// argv: mode name logPath marker; env: PULSEBOARD_URL, PULSEBOARD_TOKEN (http) or CHAOS_STORE (store).
import { setTimeout as sleep } from 'node:timers/promises';
import { openPostgresStore } from '../src/adapters/store/postgres/index.js';
import { openSqliteStore } from '../src/adapters/store/sqlite/index.js';
import { httpTransport } from '../src/sdk/http-transport.js';
import type { WorkerTransport } from '../src/sdk/transport.js';
import { createWorker } from '../src/sdk/worker.js';
import { storeTransport } from '../src/store-transport.js';
import { appendLine } from './log-lines.js';

const [mode, name, logPath] = process.argv.slice(2) as [string, string, string];
const ttlSeconds = Number(process.env.CHAOS_TTL_SECONDS ?? 3);

async function baseTransport(): Promise<WorkerTransport> {
  if (mode === 'http') return httpTransport({ url: process.env.PULSEBOARD_URL!, token: process.env.PULSEBOARD_TOKEN! });
  const location = process.env.CHAOS_STORE!;
  const store = location.startsWith('postgres')
    ? await openPostgresStore({ connectionString: location })
    : await openSqliteStore({ path: location, busyTimeoutMs: 30_000 });
  return storeTransport(store, { fallbackPollSeconds: 0.5 });
}

/** The worker's own record of what the server acknowledged: a completion counts once its call returned. */
function logging(inner: WorkerTransport): WorkerTransport {
  const line = (ev: 'sent' | 'ack', run: { id: number; task_id: string }) =>
    appendLine(logPath, { ev, task: run.task_id, run: run.id, worker: name, t: Date.now() / 1000 });
  return {
    kind: inner.kind,
    claim: (input, wait) => inner.claim(input, wait),
    ...(inner.canWait ? { canWait: () => inner.canWait!() } : {}),
    heartbeat: (run, progress) => inner.heartbeat(run, progress),
    async complete(run, report) {
      line('sent', run);
      try {
        await inner.complete(run, report);
      } catch (err) {
        appendLine(logPath, { ev: 'refused', task: run.task_id, run: run.id, worker: name, t: Date.now() / 1000, status: String((err as Error).message).slice(0, 80) });
        throw err;
      }
      line('ack', run);
    },
  };
}

const worker = createWorker({
  name,
  transport: logging(await baseTransport()),
  board: 'chaos',
  concurrency: 8,
  ttlSeconds,
  heartbeatSeconds: ttlSeconds / 3,
  waitSeconds: 2,
  pollSeconds: 0.1,
  maxPollSeconds: 0.5,
  healthSeconds: false,
  handleSignals: true,
  stopGraceSeconds: 2,
  onError: () => undefined,
  handler: async (task, ctx) => {
    appendLine(logPath, { ev: 'start', task: task.id, run: ctx.run.id, worker: name, t: Date.now() / 1000 });
    let how: 'returned' | 'aborted' = 'returned';
    try {
      await sleep(1 + Math.random() * 10, undefined, { signal: ctx.signal });
    } catch (err) {
      how = 'aborted';
      throw err;
    } finally {
      appendLine(logPath, { ev: 'stop', task: task.id, run: ctx.run.id, worker: name, t: Date.now() / 1000, how });
    }
    return { by: name };
  },
});
process.stdout.write('ready\n');
await worker.done;
process.exit(0);
