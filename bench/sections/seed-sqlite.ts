import Database from 'better-sqlite3';

export interface SeedOptions {
  dbPath: string;
  board: string;
  liveRuns: number;
  endedRuns: number;
  /** Ended runs are spread over this many done tasks, so the board stays a readable size. */
  doneTasks: number;
  /** The live runs' worker processes, round robin: one each when there are as many as live runs. */
  workers: { pid: number; startedAt: number | null }[];
  host: string;
}

export interface SeedResult {
  liveRunIds: number[];
  seconds: number;
}

/**
 * Writes the rows straight into the store's own tables (schema: src/adapters/store/sqlite/migrations.ts)
 * in one transaction: going through the API would take hours for a million runs.
 */
export function seedRuns(opts: SeedOptions): SeedResult {
  const started = performance.now();
  const db = new Database(opts.dbPath);
  db.pragma('busy_timeout = 30000');
  const now = Date.now() / 1000;
  const insertTask = db.prepare(
    `INSERT INTO tasks (id, board, title, status, max_attempts, attempts, created_at, updated_at, current_run_id)
     VALUES (?, ?, ?, ?, 3, 1, ?, ?, NULL)`,
  );
  const insertRun = db.prepare(
    `INSERT INTO runs (task_id, board, profile, worker, host, worker_pid, worker_started_at, claim_lock, claim_token,
       claim_expires, lease_ttl_seconds, last_heartbeat_at, last_progress_at, started_at, ended_at, outcome)
     VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, 30, ?, ?, ?, ?, ?)`,
  );
  const pointTask = db.prepare('UPDATE tasks SET current_run_id = ? WHERE id = ?');
  const liveRunIds: number[] = [];
  let taskSeq = 0;
  const taskId = (): string => `t_${(0xb0000000 + taskSeq++).toString(16)}`;
  db.transaction(() => {
    db.prepare('INSERT OR IGNORE INTO boards (slug, created_at) VALUES (?, ?)').run(opts.board, now);
    const perTask = Math.ceil(opts.endedRuns / opts.doneTasks);
    let ended = 0;
    for (let t = 0; t < opts.doneTasks && ended < opts.endedRuns; t++) {
      const id = taskId();
      insertTask.run(id, opts.board, `done ${t}`, 'done', now - 86_400, now - 3_600);
      for (let r = 0; r < perTask && ended < opts.endedRuns; r++, ended++) {
        const start = now - 86_400 + r;
        insertRun.run(id, opts.board, `w${r % 50}`, opts.host, null, null, `${opts.host}:0`, 'x', start + 30, start, start, start, start + 1, 'completed');
      }
    }
    for (let i = 0; i < opts.liveRuns; i++) {
      const id = taskId();
      insertTask.run(id, opts.board, `live ${i}`, 'running', now - 60, now - 60);
      const worker = opts.workers[i % opts.workers.length] as { pid: number; startedAt: number | null };
      const info = insertRun.run(
        id, opts.board, `w${i % 50}`, opts.host, worker.pid, worker.startedAt, `${opts.host}:${worker.pid}`,
        `bench-token-${i}`, now + 86_400, now - 5, now - 5, now - 60, null, null,
      );
      const runId = Number(info.lastInsertRowid);
      pointTask.run(runId, id);
      liveRunIds.push(runId);
    }
  })();
  db.close();
  return { liveRunIds, seconds: (performance.now() - started) / 1000 };
}
