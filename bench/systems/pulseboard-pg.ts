import pg from 'pg';
import { openPostgresStore } from '../../src/adapters/store/postgres/index.js';
import type { SetupOptions, SystemFactory } from './types.js';
import { InProcessStoreSystem } from './pulseboard-common.js';
import { PG_URL } from './env.js';

const SCHEMA = 'bench_pulseboard';

/** Pulseboard's SDK worker in this process on the PostgreSQL store (schema bench_pulseboard). */
class PulseboardPgSystem extends InProcessStoreSystem {
  readonly name = 'pulseboard-pg';
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

  async teardown(): Promise<void> {
    await this.store?.close();
    this.store = null;
    await this.admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => {});
    await this.admin.end();
  }
}

export const pulseboardPg: SystemFactory = {
  name: 'pulseboard-pg',
  description: 'Pulseboard SDK worker (defaults), in-process store transport, PostgreSQL store (schema bench_pulseboard)',
  create: () => new PulseboardPgSystem(),
};
