import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import type { SetupOptions, SystemFactory } from './types.js';
import { InProcessStoreSystem } from './pulseboard-common.js';

/** Pulseboard's SDK worker in this process, on a SQLite file, through the in-process store transport. */
class PulseboardSqliteSystem extends InProcessStoreSystem {
  readonly name = 'pulseboard-sqlite';
  private dir: string | null = null;

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

  async teardown(): Promise<void> {
    await this.store?.close();
    this.store = null;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

export const pulseboardSqlite: SystemFactory = {
  name: 'pulseboard-sqlite',
  description: 'Pulseboard SDK worker (defaults), in-process store transport, SQLite file in os.tmpdir()',
  create: () => new PulseboardSqliteSystem(),
};
