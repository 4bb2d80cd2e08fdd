import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/store/postgres/index.js';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import type { Store } from '../../src/ports/store.js';
import type { EventRow } from '../../src/core/types.js';
import type { CompletionBatcherStats } from '../../src/services/completion-batcher.js';
import { dropSchema, freshSchemaName, PG_URL, postgresGate } from './fixtures/postgres-db.js';
import { postgresLocation } from './fixtures/open-store.js';

const PROCESSES = 4;
const CONCURRENCY = 16;
const TASKS = 4000;
const fixture = fileURLToPath(new URL('./fixtures/pool-worker.ts', import.meta.url));
const pgAvailable = await postgresGate();

interface Report {
  worker: string;
  handled: string[];
  completions: CompletionBatcherStats;
}

/**
 * Worker processes whose slots complete and claim in batches (the store transport's group commit)
 * drain one store together: every task runs exactly once, under exactly one completed run.
 */
function poolDrain(name: string, open: () => Promise<Store>, location: () => string, cleanup: () => Promise<void>): void {
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await cleanup();
  });

  it(`${PROCESSES} processes x ${CONCURRENCY} slots run ${TASKS} tasks exactly once (${name})`, { timeout: 180_000 }, async () => {
    const store = await open();
    try {
      for (let i = 0; i < TASKS; i += 500) {
        await store.createTasks(Array.from({ length: 500 }, (_, j) => ({ title: `t${i + j}`, priority: (i + j) % 5 })));
      }
      const reports: Promise<Report>[] = [];
      const ready: Promise<void>[] = [];
      for (let p = 0; p < PROCESSES; p++) {
        const child = fork(fixture, [location(), `pool${p}`, String(CONCURRENCY)], {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(child);
        ready.push(new Promise((resolve) => child.once('message', () => resolve())));
        reports.push(
          new Promise((resolve, reject) => {
            child.on('message', (m) => {
              if (m !== 'ready') resolve(m as Report);
            });
            child.once('exit', (code, signal) => reject(new Error(`pool${p} exited (${code ?? signal}) before reporting`)));
          }),
        );
      }
      await Promise.all(ready);
      for (;;) {
        const counts = await store.countTasksByStatus();
        if (counts.done === TASKS) break;
        expect(counts.blocked + counts.archived).toBe(0);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (const child of children) child.send('stop');
      const answered = await Promise.all(reports);
      const handled = answered.flatMap((r) => r.handled);
      // The batched path really ran: most completions shared a transaction with others.
      const batched = answered.reduce((n, r) => n + r.completions.batched, 0);
      console.log(`${name}: ${batched} of ${TASKS} completions went in batches`);
      expect(batched).toBeGreaterThan(TASKS / 4);
      expect(handled.length).toBe(TASKS);
      expect(new Set(handled).size).toBe(TASKS);
      const tasks = await store.listTasks({ limit: TASKS });
      expect(tasks.every((t) => t.status === 'done' && t.attempts === 1)).toBe(true);
      const events = await allEvents(store);
      expect(events.filter((e) => e.kind === 'claimed').length).toBe(TASKS);
      expect(events.filter((e) => e.kind === 'completed').length).toBe(TASKS);
      expect(new Set(events.filter((e) => e.kind === 'completed').map((e) => e.task_id)).size).toBe(TASKS);
      expect(await store.listActiveRuns()).toEqual([]);
    } finally {
      await store.close();
    }
  });
}

async function allEvents(store: Store): Promise<EventRow[]> {
  const events: EventRow[] = [];
  for (;;) {
    const page = await store.listEvents({ after_id: events.at(-1)?.id ?? 0, limit: 1000 });
    if (page.length === 0) return events;
    events.push(...page);
  }
}

describe('SDK worker pools in separate processes', () => {
  describe('SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-pool-workers-'));
    const path = join(dir, 'pulseboard.db');
    poolDrain(
      'sqlite',
      () => openSqliteStore({ path }),
      () => path,
      async () => rmSync(dir, { recursive: true, force: true }),
    );
  });

  describe.runIf(pgAvailable)('PostgreSQL', () => {
    const schema = freshSchemaName();
    poolDrain(
      'postgres',
      () => openPostgresStore({ connectionString: PG_URL, schema }),
      () => postgresLocation(PG_URL, schema),
      () => dropSchema(schema),
    );
  });
});
