import PgBoss from 'pg-boss';
import pg from 'pg';
import type { BenchSystem, JobHandler, JobPayload, SetupOptions, SystemFactory, WorkerPool } from './types.js';
import { PG_URL, chunks } from './env.js';

const QUEUE = 'noop';
const SCHEMA = 'bench_pgboss';
/**
 * pg-boss 10 has no teamSize: each work() call is one polling loop that fetches `batchSize` jobs and
 * then waits out the rest of its polling interval. K concurrency = K loops, each running its batch one
 * job at a time. 0.5 s is the smallest interval pg-boss accepts; at its default (2 s) and batchSize 1
 * a loop does one job per 2 s.
 */
const BATCH_SIZE = 500;
const POLLING_INTERVAL_SECONDS = 0.5;

class PgBossSystem implements BenchSystem {
  readonly name = 'pg-boss';
  private boss: PgBoss | null = null;
  private readonly pool = new pg.Pool({ connectionString: PG_URL, max: 2 });

  async setup({ fresh }: SetupOptions): Promise<void> {
    if (fresh) await this.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    this.boss = new PgBoss({ connectionString: PG_URL, schema: SCHEMA });
    this.boss.on('error', (err: Error) => console.error(`pg-boss: ${err.message}`));
    await this.boss.start();
    if (fresh) await this.boss.createQueue(QUEUE);
  }

  async clear(): Promise<void> {
    await this.requireBoss().purgeQueue(QUEUE);
    await this.pool.query(`DELETE FROM ${SCHEMA}.job WHERE name = $1`, [QUEUE]);
  }

  async enqueueBulk(payloads: readonly JobPayload[]): Promise<void> {
    for (const part of chunks(payloads, 5000)) {
      await this.requireBoss().insert(part.map((data) => ({ name: QUEUE, data })));
    }
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.requireBoss().send(QUEUE, payload);
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<WorkerPool> {
    const boss = this.requireBoss();
    const ids: string[] = [];
    for (let i = 0; i < concurrency; i++) {
      ids.push(
        await boss.work<JobPayload>(
          QUEUE,
          { batchSize: BATCH_SIZE, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
          async (jobs) => {
            for (const job of jobs) await handler(job.data);
          },
        ),
      );
    }
    return {
      stop: async () => {
        for (const id of ids) await boss.offWork({ id });
      },
    };
  }

  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry', 'active')`,
      [QUEUE],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async teardown(): Promise<void> {
    await this.boss?.stop({ graceful: false, wait: true });
    await this.pool.end();
  }

  private requireBoss(): PgBoss {
    if (!this.boss) throw new Error('pg-boss: setup() first');
    return this.boss;
  }
}

export const pgBoss: SystemFactory = {
  name: 'pg-boss',
  description: `pg-boss 10, K work() loops of batchSize ${BATCH_SIZE}, pollingIntervalSeconds ${POLLING_INTERVAL_SECONDS}; insert() in batches of 5,000`,
  create: () => new PgBossSystem(),
};
