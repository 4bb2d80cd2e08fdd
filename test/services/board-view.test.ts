import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import type { Store } from '../../src/ports/store.js';
import { BoardView } from '../../src/services/board-view.js';
import { STORES } from '../store/fixtures/both-stores.js';
import type { OpenedStore } from '../store/fixtures/both-stores.js';

const titles = (listing: { columns: readonly { name: string; tasks: readonly { title: string }[] }[] }, column: string): string[] =>
  listing.columns.find((c) => c.name === column)?.tasks.map((t) => t.title) ?? [];

/** The view answers a board again while its store stamps it unchanged; what it answers is always the board as it is. */
for (const kind of STORES) {
  describe.runIf(await kind.available())(`BoardView over ${kind.kind}`, () => {
    let opened: OpenedStore;
    let view: BoardView;
    beforeEach(async () => {
      opened = await kind.open();
      view = new BoardView(opened.store);
    });
    afterEach(async () => opened.cleanup());

    it('columns in status order, each higher priority first then the older task, JSON of exactly them', async () => {
      await opened.store.createTask({ title: 'low', board: 'b', priority: 0 });
      opened.clock.advance(1);
      await opened.store.createTask({ title: 'high', board: 'b', priority: 5 });
      opened.clock.advance(1);
      await opened.store.createTask({ title: 'low later', board: 'b', priority: 0 });
      const listing = await view.listing('b', 200);
      expect(listing.columns.map((c) => c.name)).toEqual(['triage', 'todo', 'ready', 'running', 'blocked', 'done', 'archived']);
      expect(titles(listing, 'ready')).toEqual(['high', 'low', 'low later']);
      expect(JSON.parse(listing.json().toString('utf8'))).toEqual(listing.columns);
    });

    it('the same listing while nothing on the store changed (stamp: SQLite only); a change is seen at the next call', async () => {
      const task = await opened.store.createTask({ title: 'a', board: 'b' });
      const first = await view.listing('b', 200);
      const again = await view.listing('b', 200);
      expect(again === first).toBe(kind.kind === 'sqlite');
      expect(again.json().equals(first.json())).toBe(true);
      await opened.store.updateTask(task.id, { title: 'renamed' });
      expect(titles(await view.listing('b', 200), 'ready')).toEqual(['renamed']);
    });

    it('a lease renewal leaves the board as it was, a claim does not', async () => {
      await opened.store.createTask({ title: 'work', board: 'b' });
      const claimed = await opened.store.claim({ worker: 'w', host: 'h', ttl_seconds: 30, board: 'b' });
      if (!claimed) throw new Error('nothing to claim');
      const running = await view.listing('b', 200);
      expect(titles(running, 'running')).toEqual(['work']);
      opened.clock.advance(1);
      await opened.store.heartbeat(claimed.run.id, claimed.run.claim_token);
      if (kind.kind === 'sqlite') expect(await view.listing('b', 200)).toBe(running);
      await opened.store.createTask({ title: 'next', board: 'b' });
      const changed = await view.listing('b', 200);
      expect(titles(changed, 'ready')).toEqual(['next']);
      expect(titles(changed, 'running')).toEqual(['work']);
    });

    it('keeps boards and closed limits apart', async () => {
      for (const title of ['one', 'two']) {
        const task = await opened.store.createTask({ title, board: 'alpha' });
        opened.clock.advance(1);
        await opened.store.updateTask(task.id, { status: 'done' });
      }
      expect(titles(await view.listing('alpha', 200), 'done')).toEqual(['one', 'two']);
      expect(titles(await view.listing('alpha', 1), 'done')).toHaveLength(1);
      expect(titles(await view.listing('alpha', 0), 'done')).toEqual([]);
      expect(titles(await view.listing('beta', 200), 'done')).toEqual([]);
    });

    it('a commit between the stamp and the listing is seen at the next call, never kept behind an unchanged stamp', async () => {
      await opened.store.createTask({ title: 'first', board: 'b' });
      // A store that commits right after answering a listing: the stamp the view keeps must be older than that commit.
      let commitAfterListing = true;
      const racing = new Proxy(opened.store, {
        get(target, key, receiver) {
          if (key !== 'listBoardTasks') return Reflect.get(target, key, receiver) as unknown;
          return async (board: string, closedLimit: number) => {
            const tasks = await target.listBoardTasks(board, closedLimit);
            if (commitAfterListing) {
              commitAfterListing = false;
              await target.createTask({ title: 'raced', board: 'b' });
            }
            return tasks;
          };
        },
      }) as Store;
      const raced = new BoardView(racing);
      expect(titles(await raced.listing('b', 200), 'ready')).toEqual(['first']);
      expect(titles(await raced.listing('b', 200), 'ready')).toEqual(['first', 'raced']);
    });

    it('keeps at most its limits of listings and of tasks, and a listing larger than all of it not at all', async () => {
      const bounded = new BoardView(opened.store, { listings: 2, tasks: 3 });
      await opened.store.createTask({ title: 'a', board: 'one' });
      await opened.store.createTask({ title: 'b', board: 'two' });
      for (const title of ['c', 'd']) await opened.store.createTask({ title, board: 'three' });
      for (const title of ['e', 'f', 'g', 'h']) await opened.store.createTask({ title, board: 'big' });
      const kept = kind.kind === 'sqlite';
      await bounded.listing('one', 200);
      await bounded.listing('two', 200);
      expect(bounded.kept).toEqual(kept ? { listings: 2, tasks: 2 } : { listings: 0, tasks: 0 });
      // A third listing is one too many: the view starts over with it alone.
      await bounded.listing('three', 200);
      expect(bounded.kept).toEqual(kept ? { listings: 1, tasks: 2 } : { listings: 0, tasks: 0 });
      // Up to the task limit exactly, then one listing too many again.
      await bounded.listing('one', 200);
      expect(bounded.kept).toEqual(kept ? { listings: 2, tasks: 3 } : { listings: 0, tasks: 0 });
      await bounded.listing('two', 200);
      expect(bounded.kept).toEqual(kept ? { listings: 1, tasks: 1 } : { listings: 0, tasks: 0 });
      const big = await bounded.listing('big', 200);
      expect(titles(big, 'ready')).toEqual(['e', 'f', 'g', 'h']);
      expect(await bounded.listing('big', 200)).not.toBe(big);
      expect(bounded.kept).toEqual(kept ? { listings: 1, tasks: 1 } : { listings: 0, tasks: 0 });
      // The same listing kept again replaces its own count, never adds to it.
      await opened.store.createTask({ title: 'b2', board: 'two' });
      await bounded.listing('two', 200);
      expect(bounded.kept).toEqual(kept ? { listings: 1, tasks: 2 } : { listings: 0, tasks: 0 });
    });

    it('starts over past its count of listings, however few tasks they hold', async () => {
      const bounded = new BoardView(opened.store, { listings: 2, tasks: 100 });
      for (const board of ['one', 'two', 'three']) await opened.store.createTask({ title: board, board });
      const kept = kind.kind === 'sqlite' ? 1 : 0;
      await bounded.listing('one', 200);
      await bounded.listing('two', 200);
      expect(bounded.kept).toEqual({ listings: 2 * kept, tasks: 2 * kept });
      await bounded.listing('three', 200);
      expect(bounded.kept).toEqual({ listings: kept, tasks: kept });
      // Another closed limit of a kept board is another listing.
      await bounded.listing('three', 0);
      expect(bounded.kept).toEqual({ listings: 2 * kept, tasks: 2 * kept });
    });

    it('refuses a bad board or closed limit before reading', async () => {
      await expect(view.listing('Not A Slug!', 200)).rejects.toThrow(InvalidInputError);
      await expect(view.listing('b', 10_001)).rejects.toThrow(/closed_limit/);
      await expect(view.listing('b', 1.5)).rejects.toThrow(/closed_limit/);
    });
  });
}
