import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** How often the background connection copies the WAL into the database file. */
const CHECKPOINT_INTERVAL_MS = 1000;
/** SQLite's own default, restored when the background connection fails. */
const INLINE_AUTOCHECKPOINT_PAGES = 1000;
const STOP_TIMEOUT_MS = 5000;
/** Checkpoints in a row while the WAL keeps ahead of them, before the worker waits for the next interval. */
const MAX_TRIES_PER_ROUND = 50;

// Plain CommonJS run in a worker thread (eval), so it needs no file of its own next to the compiled
// or the TypeScript sources; the driver is resolved by the main thread and passed in.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
// A writer starts the WAL over only once a checkpoint copied all of it. Under steady writes a checkpoint
// is overtaken by the commits made while it ran (it reports only the frames it saw), so after one that
// copied something the next follows at once, copying only what came since, until one finds no new
// frame (the WAL is then all copied, and the next commit starts it over) or the round's tries are spent.
let timer = null;
let stopped = false;
function round() {
  timer = null;
  let seen = -1;
  for (let tries = 0; tries < workerData.maxTries; tries++) {
    let log;
    try {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)');
      if (result.checkpointed !== result.log) break;
      log = result.log;
    } catch (err) {
      if (err && err.code !== 'SQLITE_BUSY' && err.code !== 'SQLITE_LOCKED') parentPort.postMessage({ error: String(err && err.message) });
      break;
    }
    if (log <= seen || log === 0) break;
    seen = log;
  }
  if (!stopped) timer = setTimeout(round, workerData.intervalMs);
}
timer = setTimeout(round, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  stopped = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Runs SQLite's WAL checkpoints on a connection of their own in a worker thread. A checkpoint writes
 * the WAL's pages into the database file and fsyncs it; inline, SQLite runs it inside whichever commit
 * crosses the threshold, and better-sqlite3 being synchronous, that commit then holds the event loop
 * for as long as the disk takes (measured by `npm run soak`: up to 0.9 s on a busy disk). A PASSIVE
 * checkpoint takes no write lock, so the server's writers never wait for it; a writer restarts the
 * WAL from its beginning once it has all been copied, which keeps the file bounded.
 */
export class BackgroundCheckpointer {
  private stopped: Promise<void> | null = null;

  private constructor(
    private readonly db: Database.Database,
    private readonly worker: Worker,
  ) {}

  /** Null for an in-memory database, which has no WAL to checkpoint. */
  static start(db: Database.Database, path: string, onError: (message: string) => void): BackgroundCheckpointer | null {
    if (path === ':memory:' || path === '' || db.memory) return null;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs: CHECKPOINT_INTERVAL_MS, maxTries: MAX_TRIES_PER_ROUND } });
    // The WAL file keeps its largest size instead of being cut back when a writer restarts it: the cut
    // is an ftruncate inside a commit, on the event loop, and on a filesystem mounted with `discard`
    // it waits for the disk to discard the freed blocks (measured by `npm run soak` at 110-160 ms for
    // a cut from about 100 to 64 MB). The size it keeps is bounded by how far the WAL grows between
    // restarts (the soak prints it as wal_mb); closing the store checkpoints it and removes the file.
    db.pragma('journal_size_limit = -1');
    db.pragma('wal_autocheckpoint = 0');
    const inline = (message: string) => {
      // Without the background connection the WAL would grow without end: checkpoint inline again.
      if (db.open) db.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT_PAGES}`);
      onError(message);
    };
    worker.on('message', (message: { error?: string }) => {
      if (message.error) inline(`background checkpoint failed: ${message.error}`);
    });
    worker.on('error', (err) => inline(`background checkpointer stopped: ${err.message}`));
    worker.unref();
    return new BackgroundCheckpointer(db, worker);
  }

  stop(): Promise<void> {
    this.stopped ??= this.end();
    return this.stopped;
  }

  private async end(): Promise<void> {
    const exited = once(this.worker, 'exit').catch(() => undefined);
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT_PAGES}`);
  }
}
