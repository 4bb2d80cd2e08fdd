import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/store/postgres/index.js';
import type { ClaimRequest, Claimed, Store } from '../../src/ports/store.js';
import { dropSchema, freshSchemaName, PG_URL, postgresGate } from './fixtures/postgres-db.js';

const available = await postgresGate();

const TASKS = 300;
const LANES = 12;

describe.runIf(available)('PostgreSQL store: completeAndClaim under concurrency', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('lanes on two stores that complete-and-claim in one statement run every task exactly once', { timeout: 120_000 }, async () => {
    const schema = freshSchemaName();
    const first = await openPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 });
    const second = await openPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 });
    cleanups.push(async () => {
      await first.close();
      await second.close();
      await dropSchema(schema);
    });
    const created = await first.createTasks(Array.from({ length: TASKS }, (_, i) => ({ title: `t${i}`, priority: i % 3 })));
    expect(created).toHaveLength(TASKS);

    const handled: string[] = [];
    const lane = async (store: Store, worker: string): Promise<void> => {
      const request: ClaimRequest = { worker, host: 'h', ttl_seconds: 60 };
      let current: Claimed | null = await store.claim(request);
      while (current) {
        handled.push(current.task.id);
        const answer = await store.completeAndClaim(current.run.id, current.run.claim_token, { outcome: 'completed' }, request);
        expect(answer.task).toMatchObject({ id: current.task.id, status: 'done' });
        current = answer.next;
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i % 2 === 0 ? first : second, `w${i}`)));

    expect(handled).toHaveLength(TASKS);
    expect(new Set(handled).size).toBe(TASKS);
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(`SET search_path = ${schema}`);
      const count = async (sql: string): Promise<number> => Number((await client.query(sql)).rows[0].n);
      expect(await count("SELECT COUNT(*) AS n FROM tasks WHERE status = 'done' AND attempts = 1")).toBe(TASKS);
      expect(await count("SELECT COUNT(*) AS n FROM runs WHERE outcome = 'completed'")).toBe(TASKS);
      expect(await count("SELECT COUNT(*) AS n FROM events WHERE kind = 'claimed'")).toBe(TASKS);
      expect(await count("SELECT COUNT(*) AS n FROM events WHERE kind = 'completed'")).toBe(TASKS);
      // Each completion's event precedes the claim made with it.
      expect(
        await count(`SELECT COUNT(*) AS n FROM events c JOIN runs r ON r.id = c.run_id
          WHERE c.kind = 'claimed' AND EXISTS (
            SELECT 1 FROM events d WHERE d.kind = 'completed' AND d.created_at = c.created_at AND d.id > c.id
              AND d.payload->>'actor' = r.worker)`),
      ).toBe(0);
    } finally {
      await client.end();
    }
  });
});
