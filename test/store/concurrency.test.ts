import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { createTask } from '../../src/adapters/store/sqlite/tasks.js';
import { Statements } from '../../src/adapters/store/sqlite/statements.js';
import { killAndWait, spawnClaimWorker } from './spawn-worker.js';
import type { WorkerHandle } from './spawn-worker.js';

const TASKS = 10_000;
const WORKERS = 8;

/** All tasks in one transaction through the adapter's own createTask, so seeding takes a moment, not minutes. */
function seed(path: string): void {
  const db = new Database(path);
  const q = new Statements(db);
  db.transaction(() => {
    const ctx = { q, now: Date.now() / 1000, events: [] };
    for (let i = 0; i < TASKS; i++) createTask(ctx, { title: `task ${i}`, priority: i % 7 }, 'seed');
  }).immediate();
  db.close();
}

describe(`${WORKERS} worker processes draining ${TASKS} tasks from one SQLite file`, () => {
  let dir: string;
  let path: string;
  const handles: WorkerHandle<unknown>[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulseboard-concurrency-'));
    path = join(dir, 'board.db');
    const store = await openSqliteStore({ path });
    await store.close();
    seed(path);
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => killAndWait(h)));
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every task exactly once', { timeout: 120_000 }, async () => {
    for (let i = 0; i < WORKERS; i++) handles.push(spawnClaimWorker([ 'drain', path, `w${i}` ]));
    const reports = (await Promise.all(handles.map((h) => h.message))) as { worker: string; completed: string[] }[];
    const codes = await Promise.all(handles.map((h) => h.exited));
    expect(codes).toEqual(Array(WORKERS).fill(0));

    const reported = reports.flatMap((r) => r.completed);
    expect(reported.length).toBe(TASKS);
    expect(new Set(reported).size).toBe(TASKS);
    console.log('tasks per worker:', reports.map((r) => `${r.worker}=${r.completed.length}`).join(' '));

    const db = new Database(path, { readonly: true });
    try {
      const one = <T>(sql: string): T => db.prepare(sql).get() as T;
      expect(one<{ n: number }>('SELECT COUNT(*) AS n FROM tasks').n).toBe(TASKS);
      expect(one<{ n: number }>("SELECT COUNT(*) AS n FROM tasks WHERE status = 'done' AND attempts = 1").n).toBe(TASKS);
      expect(one<{ n: number }>('SELECT COUNT(*) AS n FROM runs').n).toBe(TASKS);
      expect(one<{ n: number }>("SELECT COUNT(*) AS n FROM runs WHERE outcome = 'completed' AND ended_at IS NOT NULL").n).toBe(TASKS);
      expect(one<{ n: number }>('SELECT COUNT(DISTINCT task_id) AS n FROM runs').n).toBe(TASKS);
      // No run completed twice: exactly one completion event per run, and one claim per run.
      expect(
        one<{ n: number }>("SELECT COUNT(*) AS n FROM (SELECT run_id FROM events WHERE kind = 'completed' GROUP BY run_id HAVING COUNT(*) <> 1)").n,
      ).toBe(0);
      expect(one<{ n: number }>("SELECT COUNT(DISTINCT run_id) AS n FROM events WHERE kind = 'completed'").n).toBe(TASKS);
      expect(one<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE kind = 'claimed'").n).toBe(TASKS);
      const ids = db.prepare('SELECT id FROM tasks').all() as { id: string }[];
      expect(new Set(reported)).toEqual(new Set(ids.map((r) => r.id)));
    } finally {
      db.close();
    }
  });
});
