import { boardColumns } from '../core/board-columns.js';
import type { BoardColumn } from '../core/board-columns.js';
import type { Store } from '../ports/store.js';

/** One answer of the view: a board's columns and their JSON, kept together. */
export interface BoardListing {
  readonly columns: readonly BoardColumn[];
  /** `JSON.stringify(columns)` as UTF-8, built once per listing. */
  json(): Buffer;
}

/** Beyond this many distinct boards (x closed limits) the memory starts over rather than grow. */
const MAX_LISTINGS = 256;

/**
 * A board as the edges show it, memoised: one view per store (the server makes it where it wires the
 * store). Where the store gives a stamp (SQLite), an unchanged stamp answers the last listing and its
 * bytes again: every dashboard open on a board reads it after each change, and a board of a thousand
 * running tasks cost ~2.5 ms of the server's time to list, sort and serialise per request (bench
 * visibility, board). Without a stamp (PostgreSQL) each call lists afresh.
 */
export class BoardView {
  private readonly last = new Map<string, { stamp: string; listing: BoardListing }>();

  constructor(private readonly store: Store) {}

  async listing(board: string, closedLimit: number): Promise<BoardListing> {
    // Taken before the listing and refusing what it refuses: a commit in between can only make the next call list again.
    const stamp = await this.store.boardTasksStamp(board, closedLimit);
    const key = `${closedLimit}:${board}`;
    const kept = this.last.get(key);
    if (kept !== undefined && stamp !== null && kept.stamp === stamp) return kept.listing;
    const listing = new Listing(boardColumns(await this.store.listBoardTasks(board, closedLimit)));
    if (stamp === null) return listing;
    if (kept === undefined && this.last.size >= MAX_LISTINGS) this.last.clear();
    this.last.set(key, { stamp, listing });
    return listing;
  }
}

class Listing implements BoardListing {
  private bytes: Buffer | undefined;

  constructor(readonly columns: readonly BoardColumn[]) {}

  json(): Buffer {
    this.bytes ??= Buffer.from(JSON.stringify(this.columns));
    return this.bytes;
  }
}
