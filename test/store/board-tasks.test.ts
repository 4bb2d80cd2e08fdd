import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/store/postgres/index.js';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { FakeClock } from '../../src/ports/clock.js';
import type { Store } from '../../src/ports/store.js';
import { dropSchema, freshSchemaName, PG_URL, postgresGate } from './fixtures/postgres-db.js';

const postgres = await postgresGate();

interface Opened {
  store: Store;
  clock: FakeClock;
  cleanup: () => Promise<void>;
}

const adapters: [string, () => Promise<Opened>][] = [
  [
    'sqlite',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pulseboard-board-'));
      const clock = new FakeClock();
      const store = await openSqliteStore({ path: join(dir, 'board.db'), clock });
      return { store, clock, cleanup: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
    },
  ],
];
if (postgres) {
  adapters.push([
    'postgres',
    async () => {
      const schema = freshSchemaName();
      const clock = new FakeClock();
      const store = await openPostgresStore({ connectionString: PG_URL, schema, clock, poolSize: 2 });
      return { store, clock, cleanup: async () => { await store.close(); await dropSchema(schema); } };
    },
  ]);
}

describe.each(adapters)('listBoardTasks on %s', (name, open) => {
  let opened: Opened | null = null;
  afterEach(async () => {
    await opened?.cleanup();
    opened = null;
  });

  /** Tasks of `board` moved to `status` one clock second apart, so "most recently updated" is their order. */
  async function tasksIn(board: string, status: 'ready' | 'blocked' | 'done' | 'archived', count: number): Promise<string[]> {
    const { store, clock } = opened as Opened;
    const titles: string[] = [];
    for (let i = 0; i < count; i++) {
      const title = `${status} ${i}`;
      const task = await store.createTask({ title, board });
      clock.advance(1);
      if (status !== 'ready') await store.updateTask(task.id, { status });
      titles.push(title);
    }
    return titles;
  }

  it('shows the open columns whole and only the newest of done and of archived', async () => {
    opened = await open();
    const ready = await tasksIn('b', 'ready', 4);
    const blocked = await tasksIn('b', 'blocked', 3);
    const done = await tasksIn('b', 'done', 5);
    const archived = await tasksIn('b', 'archived', 3);
    await tasksIn('other', 'done', 2);
    const titlesOf = (tasks: { title: string; status: string }[], status: string): string[] =>
      tasks.filter((t) => t.status === status).map((t) => t.title).sort();

    const limited = await opened.store.listBoardTasks('b', 2);
    expect(titlesOf(limited, 'ready')).toEqual([...ready].sort());
    expect(titlesOf(limited, 'blocked')).toEqual([...blocked].sort());
    expect(titlesOf(limited, 'done')).toEqual(done.slice(-2).sort());
    expect(titlesOf(limited, 'archived')).toEqual(archived.slice(-2).sort());
    expect(limited.every((t) => t.board === 'b')).toBe(true);

    const none = await opened.store.listBoardTasks('b', 0);
    expect(titlesOf(none, 'ready')).toHaveLength(4);
    expect(none.filter((t) => t.status === 'done' || t.status === 'archived')).toEqual([]);

    expect(await opened.store.listBoardTasks('b', 100)).toHaveLength(15);
  });

  it('refuses a bad board or limit', async () => {
    opened = await open();
    await expect(opened.store.listBoardTasks('Not A Board', 10)).rejects.toThrow(/board/);
    await expect(opened.store.listBoardTasks('b', -1)).rejects.toThrow(/closed_limit/);
    await expect(opened.store.listBoardTasks('b', 10_001)).rejects.toThrow(/closed_limit/);
    await expect(opened.store.listBoardTasks('b', 1.5)).rejects.toThrow(/closed_limit/);
    await expect(opened.store.boardTasksStamp('Not A Board', 10)).rejects.toThrow(/board/);
    await expect(opened.store.boardTasksStamp('b', -1)).rejects.toThrow(/closed_limit/);
  });

  it('the stamp stays while the board reads the same, through lease renewals and other boards\' reads, and moves with a change (null where the store cannot tell)', async () => {
    opened = await open();
    const { store } = opened;
    await tasksIn('b', 'ready', 2);
    const first = await store.boardTasksStamp('b', 200);
    if (name === 'postgres') {
      expect(first).toBeNull();
      return;
    }
    expect(first).toEqual(expect.any(String));
    expect(await store.boardTasksStamp('b', 200)).toBe(first);
    const claimed = await store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, board: 'b' });
    if (!claimed) throw new Error('nothing to claim');
    const running = await store.boardTasksStamp('b', 200);
    expect(running).not.toBe(first);
    await store.listBoardTasks('other', 200);
    await store.heartbeat(claimed.run.id, claimed.run.claim_token);
    expect(await store.boardTasksStamp('b', 200)).toBe(running);
    // Another limit is another answer, with a stamp of its own.
    expect(await store.boardTasksStamp('b', 1)).not.toBe(running);
    await store.createTask({ title: 'elsewhere', board: 'other' });
    const afterOther = await store.boardTasksStamp('b', 200);
    // Any commit of another kind starts the cache over: a new stamp, never an old one again.
    expect([first, running]).not.toContain(afterOther);
  });
});
