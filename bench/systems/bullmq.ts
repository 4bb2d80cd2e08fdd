import { Queue, Worker, createPostgresBackend } from 'bullmq';
import type { BenchSystem, JobHandler, JobPayload, SetupOptions, SystemFactory, WorkerPool } from './types.js';
import { PG_URL, REDIS_URL, chunks } from './env.js';

const QUEUE = 'noop';

/** The two datastores BullMQ 6 runs on. Redis needs the optional `ioredis` (or `redis`) driver installed. */
type Flavour = 'redis' | 'postgres';

// BullMQ's generic parameters differ per backend; the benchmark only uses the members both share.
/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyQueue = Queue<any, any, any, any, any, any, any, any>;

class BullMqSystem implements BenchSystem {
  private queue: AnyQueue | null = null;

  constructor(
    readonly name: string,
    private readonly flavour: Flavour,
  ) {}

  async setup({ fresh }: SetupOptions): Promise<void> {
    this.queue = this.makeQueue();
    await this.queue.waitUntilReady();
    if (fresh) await this.clear();
  }

  async clear(): Promise<void> {
    await this.requireQueue().obliterate({ force: true });
  }

  async enqueueBulk(payloads: readonly JobPayload[]): Promise<void> {
    for (const part of chunks(payloads, 5000)) {
      await this.requireQueue().addBulk(part.map((data) => ({ name: QUEUE, data })));
    }
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.requireQueue().add(QUEUE, payload);
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<WorkerPool> {
    const processor = async (job: { data: JobPayload }): Promise<void> => handler(job.data);
    const opts = { concurrency, removeOnComplete: { count: 0 } };
    const worker =
      this.flavour === 'redis'
        ? new Worker(QUEUE, processor, { ...opts, connection: redisConnection(), prefix: 'bench' })
        : new Worker(QUEUE, processor, { ...opts, connection: pgConnection() }, createPostgresBackend);
    worker.on('error', (err: Error) => console.error(`${this.name}: ${err.message}`));
    await worker.waitUntilReady();
    return { stop: () => worker.close(true) };
  }

  async pending(): Promise<number> {
    const counts = await this.requireQueue().getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((a: number, b) => a + Number(b), 0);
  }

  async teardown(): Promise<void> {
    await this.queue?.close();
  }

  private makeQueue(): AnyQueue {
    return this.flavour === 'redis'
      ? new Queue(QUEUE, { connection: redisConnection(), prefix: 'bench' })
      : new Queue(QUEUE, { connection: pgConnection() }, createPostgresBackend);
  }

  private requireQueue(): AnyQueue {
    if (!this.queue) throw new Error(`${this.name}: setup() first`);
    return this.queue;
  }
}

function redisConnection(): { host: string; port: number; maxRetriesPerRequest: null } {
  const url = new URL(REDIS_URL);
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}

function pgConnection(): { connectionString: string; schema: string; migrate: boolean } {
  return { connectionString: PG_URL, schema: 'bench_bullmq', migrate: true };
}

export const bullmqRedis: SystemFactory = {
  name: 'bullmq',
  description: 'BullMQ 6 on Redis (prefix "bench"), Worker concurrency K, addBulk in batches of 5,000',
  create: () => new BullMqSystem('bullmq', 'redis'),
};

export const bullmqPostgres: SystemFactory = {
  name: 'bullmq-pg',
  description: 'BullMQ 6 on its PostgreSQL backend (schema bench_bullmq), Worker concurrency K, addBulk',
  create: () => new BullMqSystem('bullmq-pg', 'postgres'),
};
