import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import type { Runner, WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import type { BenchSystem, JobHandler, JobPayload, SetupOptions, SystemFactory, WorkerPool } from './types.js';
import { PG_URL, chunks } from './env.js';

const TASK = 'noop';

interface GraphileMode {
  name: string;
  schema: string;
  /** graphile-worker's own batching knobs (https://worker.graphile.org/docs/performance#batching); absent = defaults. */
  batched: boolean;
}

class GraphileSystem implements BenchSystem {
  private utils: WorkerUtils | null = null;
  private readonly pool = new pg.Pool({ connectionString: PG_URL, max: 2 });

  constructor(private readonly mode: GraphileMode) {}

  get name(): string {
    return this.mode.name;
  }

  async setup({ fresh }: SetupOptions): Promise<void> {
    if (fresh) await this.pool.query(`DROP SCHEMA IF EXISTS ${this.mode.schema} CASCADE`);
    this.utils = await makeWorkerUtils({ connectionString: PG_URL, schema: this.mode.schema });
    await this.utils.migrate();
  }

  async clear(): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.mode.schema}._private_jobs`);
  }

  async enqueueBulk(payloads: readonly JobPayload[]): Promise<void> {
    for (const part of chunks(payloads, 5000)) {
      await this.requireUtils().addJobs(part.map((payload) => ({ identifier: TASK, payload })));
    }
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.requireUtils().addJob(TASK, payload);
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<WorkerPool> {
    const runner: Runner = await run({
      connectionString: PG_URL,
      schema: this.mode.schema,
      concurrency,
      noHandleSignals: true,
      logger: quietLogger(),
      taskList: { [TASK]: async (payload) => handler(payload as JobPayload) },
      preset: this.mode.batched
        ? {
            worker: {
              localQueue: { size: Math.max(500, concurrency * 4) },
              completeJobBatchDelay: 0,
              failJobBatchDelay: 0,
            },
          }
        : {},
    });
    return { stop: () => runner.stop() };
  }

  async pending(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.mode.schema}._private_jobs`);
    return Number(rows[0]?.n ?? 0);
  }

  async teardown(): Promise<void> {
    await this.utils?.release();
    await this.pool.end();
  }

  private requireUtils(): WorkerUtils {
    if (!this.utils) throw new Error(`${this.name}: setup() first`);
    return this.utils;
  }
}

/** graphile-worker logs every job at info level; a benchmark must not pay for that. Errors still show. */
function quietLogger(): Logger {
  return new Logger(() => (level, message) => {
    if (level === 'error') console.error(`graphile-worker: ${message}`);
  });
}

export const graphileDefault: SystemFactory = {
  name: 'graphile-worker',
  description: 'graphile-worker 0.17, default settings, jobs added with addJobs in batches of 5,000',
  create: () => new GraphileSystem({ name: 'graphile-worker', schema: 'bench_graphile', batched: false }),
};

export const graphileBatched: SystemFactory = {
  name: 'graphile-worker-batched',
  description: 'graphile-worker 0.17 with localQueue.size = max(500, 4K) and completeJobBatchDelay 0',
  create: () => new GraphileSystem({ name: 'graphile-worker-batched', schema: 'bench_graphile_b', batched: true }),
};
