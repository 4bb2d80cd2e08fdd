import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { storeTransport } from '../../src/sdk/store-transport.js';
import type { Store } from '../../src/ports/store.js';
import type { BenchSystem, JobHandler, JobPayload, SetupOptions, SystemFactory, WorkerPool } from './types.js';
import { createTasks, pendingTasks, startSdkWorkers } from './pulseboard-common.js';

/** Pulseboard's SDK worker in this process, on a SQLite file, through the in-process store transport. */
class PulseboardSqliteSystem implements BenchSystem {
  readonly name = 'pulseboard-sqlite';
  private dir: string | null = null;
  private store: Store | null = null;

  async setup(_opts: SetupOptions): Promise<void> {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'pulseboard-bench-'));
    await this.clear();
  }

  /** A fresh file per run: the store has no bulk delete, and an empty file is what a new user starts with. */
  async clear(): Promise<void> {
    await this.store?.close();
    if (!this.dir) throw new Error('pulseboard-sqlite: setup() first');
    for (const suffix of ['', '-wal', '-shm']) rmSync(path.join(this.dir, `pulseboard.db${suffix}`), { force: true });
    this.store = await openSqliteStore({ path: path.join(this.dir, 'pulseboard.db') });
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
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private requireStore(): Store {
    if (!this.store) throw new Error('pulseboard-sqlite: setup() first');
    return this.store;
  }
}

export const pulseboardSqlite: SystemFactory = {
  name: 'pulseboard-sqlite',
  description: 'Pulseboard SDK worker (defaults), in-process store transport, SQLite file in os.tmpdir()',
  create: () => new PulseboardSqliteSystem(),
};
