import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { waitFor } from '../sdk/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite checkpoints on a background connection', () => {
  it('the WAL is copied into the database by the background connection while the store makes no commit, and the file stays whole', async () => {
    const path = join(dir, 'board.db');
    const store = await openSqliteStore({ path });
    try {
      const before = statSync(path).size;
      // About 400 pages in one commit: under SQLite's inline threshold (1000), so without the
      // background connection nothing would copy them into the database file before close.
      await store.createTasks(Array.from({ length: 1000 }, (_, i) => ({ title: `t ${i}`, board: 'cp', body: 'x'.repeat(1500) })));
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(1_000_000);
      await waitFor(() => statSync(path).size > before + 1_000_000, 10_000, 'the pages to reach the database file');
      const probe = new Database(path, { readonly: true });
      expect(probe.pragma('integrity_check', { simple: true })).toBe('ok');
      expect((probe.prepare('SELECT count(*) AS n FROM tasks').get() as { n: number }).n).toBe(1000);
      probe.close();
    } finally {
      await store.close();
      // Closing twice is harmless.
      await store.close();
    }
  });

  it('an in-memory store starts no checkpointer and still works', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    await store.createTask({ title: 'm', board: 'cp' });
    expect(await store.listTasks({ board: 'cp' })).toHaveLength(1);
    await store.close();
  });
});
