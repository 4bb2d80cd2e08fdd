import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { MIGRATIONS } from '../../src/adapters/store/sqlite/migrations.js';
import { openTestSqlite } from './fixtures/both-stores.js';
import { storeContract } from './store-contract.js';

storeContract('sqlite', openTestSqlite);

describe('SQLite specifics', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulseboard-sqlite-extra-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates once, in WAL mode, and reopening applies nothing again', async () => {
    const path = join(dir, 'm.db');
    const [a, b] = await Promise.all([openSqliteStore({ path }), openSqliteStore({ path })]);
    await a.createTask({ title: 'x' });
    expect(await b.listTasks()).toHaveLength(1);
    await Promise.all([a.close(), b.close()]);
    const again = await openSqliteStore({ path });
    await again.close();

    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
      expect(versions.map((v) => v.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      db.close();
    }
  });

  it('a failing or rejecting onCommit listener does not fail the change; a refused change notifies nobody', async () => {
    const store = await openSqliteStore({ path: join(dir, 'l.db') });
    const seen: number[] = [];
    const errors: unknown[] = [];
    const originalError = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      store.onCommit(() => {
        throw new Error('sync listener broke');
      });
      store.onCommit(async () => {
        throw new Error('async listener broke');
      });
      store.onCommit((rows) => seen.push(...rows.map((r) => r.id)));
      const task = await store.createTask({ title: 'x' });
      expect(await store.getTask(task.id)).not.toBeNull();
      await expect(store.updateTask(task.id, { status: 'running' as never })).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seen).toHaveLength(1);
      expect(errors).toHaveLength(2);
    } finally {
      console.error = originalError;
      await store.close();
    }
  });
});
