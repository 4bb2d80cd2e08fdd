import pg from 'pg';
import { storeTransport } from '../../src/sdk/store-transport.js';
import { openPostgresStore } from '../../src/adapters/store/postgres/index.js';
import type { Store } from '../../src/ports/store.js';
import type { BenchSystem, JobHandler, JobPayload, SetupOptions, SystemFactory, WorkerPool } from './types.js';
import { createTasks, pendingTasks, startSdkWorkers } from './pulseboard-common.js';
import { PG_URL } from './env.js';

const SCHEMA = 'bench_pulseboard';

/** Pulseboard's SDK worker in this process on the PostgreSQL store (schema bench_pulseboard). */
class PulseboardPgSystem implements BenchSystem {
  readonly name = 'pulseboard-pg';
  private store: Store | null = null;
  private readonly admin = new pg.Pool({ connectionString: PG_URL, max: 1 });

  async setup(_opts: SetupOptions): Promise<void> {
    await this.clear();
  }

  /** A fresh schema per run, as for SQLite's fresh file. */
  async clear(): Promise<void> {
    await this.store?.close();
    this.store = null;
    await this.admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await this.admin.query(`CREATE SCHEMA ${SCHEMA}`);
    this.store = await openPostgresStore({ connectionString: PG_URL, schema: SCHEMA });
  }

  enqueueBulk(payloads: readonly JobPayload[]): Promise<void> {
    return createTasks(this.requireStore(), payloads);
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.requireStore().createTask({ title: String(payload.seq) });
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<WorkerPool> {
    return startSdkWorkers(storeTransport(this.requireStore()), concurrency, handler);
  }

  pending(): Promise<number> {
    return pendingTasks(this.requireStore());
  }

  async teardown(): Promise<void> {
    await this.store?.close();
    this.store = null;
    await this.admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => {});
    await this.admin.end();
  }

  private requireStore(): Store {
    if (!this.store) throw new Error('pulseboard-pg: setup() first');
    return this.store;
  }
}

export const pulseboardPg: SystemFactory = {
  name: 'pulseboard-pg',
  description: 'Pulseboard SDK worker (defaults), in-process store transport, PostgreSQL store (schema bench_pulseboard)',
  create: () => new PulseboardPgSystem(),
};
