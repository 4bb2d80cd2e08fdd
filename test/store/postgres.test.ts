import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/store/postgres/index.js';
import { flushEvents } from '../../src/adapters/store/postgres/events.js';
import { MIGRATIONS } from '../../src/adapters/store/postgres/migrations.js';
import { createTask } from '../../src/adapters/store/postgres/tasks.js';
import type { WriteContext } from '../../src/adapters/store/postgres/context.js';
import type { Store } from '../../src/ports/store.js';
import type { EventRow } from '../../src/core/types.js';
import { InvalidInputError } from '../../src/core/errors.js';
import { dropSchema, freshSchemaName, PG_URL, postgresGate } from './fixtures/postgres-db.js';
import { openTestPostgres } from './fixtures/both-stores.js';
import { storeContract } from './store-contract.js';
import { postgresLocation } from './fixtures/open-store.js';

const available = await postgresGate();

describe.runIf(available)('PostgreSQL store', () => {
  storeContract('postgres', () => openTestPostgres(4));

  describe('beyond the contract', () => {
    const schemas: string[] = [];
    const stores: Store[] = [];
    const open = async (schema: string, poolSize = 4): Promise<Store> => {
      if (!schemas.includes(schema)) schemas.push(schema);
      const store = await openPostgresStore({ connectionString: PG_URL, schema, poolSize });
      stores.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
      for (const schema of schemas.splice(0)) await dropSchema(schema);
    });

    it('servers starting at once migrate the schema once', async () => {
      const schema = freshSchemaName();
      const opened = await Promise.all(Array.from({ length: 4 }, () => open(schema, 1)));
      // Each server's connection was opened before the schema existed; all of them now work in it.
      await Promise.all(opened.map((store, i) => store.createTask({ title: `from server ${i}` })));
      expect((await opened[0]!.listTasks()).length).toBe(4);
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        const result = await client.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
        // Every migration recorded exactly once, however many servers raced to apply it.
        expect(result.rows.map((r: { version: number }) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await client.end();
      }
    });

    it('a reader paging by after_id while many transactions write misses no event', async () => {
      const schema = freshSchemaName();
      const writers = [await open(schema, 8), await open(schema, 8)];
      const reader = await open(schema, 1);
      let writing = true;
      const seen: EventRow[] = [];
      const read = (async () => {
        let after = 0;
        for (;;) {
          const last = !writing;
          const page = await reader.listEvents({ after_id: after, limit: 10_000 });
          seen.push(...page);
          after = page.at(-1)?.id ?? after;
          if (last) return;
        }
      })();
      const lanes = writers.flatMap((store) =>
        Array.from({ length: 8 }, async () => {
          for (let i = 0; i < 40; i++) {
            const task = await store.createTask({ title: `t${i}` });
            await store.addComment(task.id, 'me', 'note');
          }
        }),
      );
      await Promise.all(lanes);
      writing = false;
      await read;
      const all = await reader.listEvents({ limit: 10_000 });
      expect(all.length).toBe(16 * 40 * 2);
      expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
    });

    it('refuses values PostgreSQL cannot store as invalid input and stores nothing', async () => {
      const store = await open(freshSchemaName(), 2);
      await expect(store.createTask({ title: 'nul \u0000 inside' })).rejects.toBeInstanceOf(InvalidInputError);
      const task = await store.createTask({ title: 'fine' });
      await expect(store.updateTask(task.id, { result: { text: 'nul \u0000' } })).rejects.toBeInstanceOf(InvalidInputError);
      const claimed = await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30 });
      await expect(
        store.endRun(claimed!.run.id, { outcome: 'crashed', exit_code: 2 ** 40 }),
      ).resolves.toMatchObject({ run: { exit_code: 2 ** 40 } });
      expect((await store.listTasks()).map((t) => t.title)).toEqual(['fine']);
      expect((await store.listEvents()).map((e) => e.kind)).toEqual(['task_created', 'claimed', 'run_ended']);
    });

    it('parents finishing at the same moment never leave their common child waiting', async () => {
      const store = await open(freshSchemaName(), 8);
      for (let round = 0; round < 15; round++) {
        const p1 = await store.createTask({ title: `p1-${round}` });
        const p2 = await store.createTask({ title: `p2-${round}` });
        const child = await store.createTask({ title: `child-${round}`, parents: [p1.id, p2.id] });
        const c1 = await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, task_id: p1.id });
        const c2 = await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, task_id: p2.id });
        await Promise.all([
          store.complete(c1!.run.id, c1!.run.claim_token, { outcome: 'completed' }),
          store.complete(c2!.run.id, c2!.run.claim_token, { outcome: 'completed' }),
        ]);
        expect((await store.getTask(child.id))?.status).toBe('ready');
      }
    });

    it('a child linked while its parent completes ends up ready', async () => {
      const store = await open(freshSchemaName(), 8);
      for (let round = 0; round < 15; round++) {
        const parent = await store.createTask({ title: `p-${round}` });
        const claimed = await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, task_id: parent.id });
        const [, child] = await Promise.all([
          store.complete(claimed!.run.id, claimed!.run.claim_token, { outcome: 'completed' }),
          store.createTask({ title: `c-${round}`, parents: [parent.id] }),
        ]);
        expect((await store.getTask(child.id))?.status).toBe('ready');
      }
    });

    it('concurrent claimers in one process never share a task', async () => {
      const store = await open(freshSchemaName(), 8);
      for (let i = 0; i < 20; i++) await store.createTask({ title: `t${i}` });
      const claims = await Promise.all(Array.from({ length: 50 }, (_, i) => store.claim({ worker: `w${i}`, host: 'h', ttl_seconds: 30 })));
      const won = claims.filter((c) => c !== null);
      expect(won.length).toBe(20);
      expect(new Set(won.map((c) => c.task.id)).size).toBe(20);
    });

    it('onCommit hears every committed event of its own store, in id order', async () => {
      const schema = freshSchemaName();
      const store = await open(schema, 8);
      const heard: number[] = [];
      store.onCommit((rows) => heard.push(...rows.map((r) => r.id)));
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.createTask({ title: `t${i}` })));
      const claims = await Promise.all(Array.from({ length: 20 }, () => store.claim({ worker: 'w', host: 'h', ttl_seconds: 30 })));
      await Promise.all(claims.map((c) => store.complete(c!.run.id, c!.run.claim_token, { outcome: 'completed', summary: 's' })));
      const all = (await store.listEvents()).map((e) => e.id);
      expect(all.length).toBe(60);
      expect([...heard].sort((a, b) => a - b)).toEqual(all);
    });
  });

  describe('8 worker processes draining 5000 tasks', () => {
    const TASKS = 5000;
    const WORKERS = 8;
    const schema = freshSchemaName();
    const children: ChildProcess[] = [];

    afterAll(async () => {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGKILL');
            }),
        ),
      );
      await dropSchema(schema);
    });

    it('runs every task exactly once', { timeout: 300_000 }, async () => {
      await seed(schema, TASKS);
      const fixture = fileURLToPath(new URL('./fixtures/claim-worker.ts', import.meta.url));
      const reports = await Promise.all(
        Array.from({ length: WORKERS }, (_, i) => {
          const child = fork(fixture, ['drain', postgresLocation(PG_URL, schema), `w${i}`], {
            execArgv: ['--import', 'tsx'],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          });
          children.push(child);
          return new Promise<{ worker: string; completed: string[] }>((resolve, reject) => {
            child.once('message', (m) => resolve(m as { worker: string; completed: string[] }));
            child.once('exit', (code, signal) => reject(new Error(`worker w${i} exited (${code ?? signal}) before reporting`)));
          });
        }),
      );
      const reported = reports.flatMap((r) => r.completed);
      expect(reported.length).toBe(TASKS);
      expect(new Set(reported).size).toBe(TASKS);
      console.log('tasks per worker:', reports.map((r) => `${r.worker}=${r.completed.length}`).join(' '));

      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        const count = async (sql: string): Promise<number> => Number((await client.query(sql)).rows[0].n);
        await client.query(`SET search_path = ${schema}`);
        expect(await count('SELECT COUNT(*) AS n FROM tasks')).toBe(TASKS);
        expect(await count("SELECT COUNT(*) AS n FROM tasks WHERE status = 'done' AND attempts = 1")).toBe(TASKS);
        expect(await count("SELECT COUNT(*) AS n FROM runs WHERE outcome = 'completed' AND ended_at IS NOT NULL")).toBe(TASKS);
        expect(await count('SELECT COUNT(DISTINCT task_id) AS n FROM runs')).toBe(TASKS);
        expect(await count("SELECT COUNT(*) AS n FROM events WHERE kind = 'claimed'")).toBe(TASKS);
        expect(await count("SELECT COUNT(DISTINCT run_id) AS n FROM events WHERE kind = 'completed'")).toBe(TASKS);
        expect(await count("SELECT COUNT(*) AS n FROM events WHERE kind = 'completed'")).toBe(TASKS);
        const ids = await client.query<{ id: string }>('SELECT id FROM tasks');
        expect(new Set(reported)).toEqual(new Set(ids.rows.map((r) => r.id)));
      } finally {
        await client.end();
      }
    });
  });
});

/** All tasks in one transaction through the adapter's own createTask, so seeding takes seconds. */
async function seed(schema: string, count: number): Promise<void> {
  const store = await openPostgresStore({ connectionString: PG_URL, schema, poolSize: 1 });
  await store.close();
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    await client.query('BEGIN');
    const ctx: WriteContext = { db: client, now: Date.now() / 1000, events: [] };
    for (let i = 0; i < count; i++) await createTask(ctx, { title: `task ${i}`, priority: i % 7 }, 'seed');
    await flushEvents(client, ctx.events, ctx.now);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}
