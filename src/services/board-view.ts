import { boardColumns } from '../core/board-columns.js';
import type { BoardColumn } from '../core/board-columns.js';
import type { Store } from '../ports/store.js';

/** One answer of the view: a board's columns and their JSON, kept together. */
export interface BoardListing {
  readonly columns: readonly BoardColumn[];
  /** `JSON.stringify(columns)` as UTF-8; the route keeps its bytes once per listing (edges/http/kept-bodies.ts). */
  json(): Buffer;
}

/**
 * What the view keeps at most: listings (boards x closed limits, which a client chooses) and tasks over
 * all of them (a closed limit may ask for 10,000 of each closed column); beyond either it starts over
 * rather than grow, and a listing larger than all of it is answered and not kept.
 */
export const BOARD_VIEW_LIMITS: BoardViewLimits = { listings: 64, tasks: 50_000 };

export interface BoardViewLimits {
  listings: number;
  tasks: number;
}

/**
 * A board as the edges show it, memoised: one view per store (the server makes it where it wires the
 * store). Where the store gives a stamp (SQLite), an unchanged stamp answers the last listing and its
 * bytes again: every dashboard open on a board reads it after each change, and a board of a thousand
 * running tasks cost ~2.5 ms of the server's time to list, sort and serialise per request (bench
 * visibility, board). Without a stamp (PostgreSQL) each call lists afresh.
 */
export class BoardView {
  private readonly last = new Map<string, { stamp: string; listing: BoardListing; tasks: number }>();
  private keptTasks = 0;

  constructor(
    private readonly store: Store,
    private readonly limits: BoardViewLimits = BOARD_VIEW_LIMITS,
  ) {}

  async listing(board: string, closedLimit: number): Promise<BoardListing> {
    // Taken before the listing and refusing what it refuses: a commit in between can only make the next call list again.
    const stamp = await this.store.boardTasksStamp(board, closedLimit);
    const key = `${closedLimit}:${board}`;
    const kept = this.last.get(key);
    if (kept !== undefined && stamp !== null && kept.stamp === stamp) return kept.listing;
    const listing = new Listing(boardColumns(await this.store.listBoardTasks(board, closedLimit)));
    const tasks = listing.columns.reduce((sum, column) => sum + column.tasks.length, 0);
    if (stamp === null || tasks > this.limits.tasks) return listing;
    if (kept !== undefined) this.keptTasks -= kept.tasks;
    this.last.delete(key);
    if (this.last.size >= this.limits.listings || this.keptTasks + tasks > this.limits.tasks) {
      this.last.clear();
      this.keptTasks = 0;
    }
    this.last.set(key, { stamp, listing, tasks });
    this.keptTasks += tasks;
    return listing;
  }

  /** How many listings and tasks are kept now (for tests of the bounds). */
  get kept(): { listings: number; tasks: number } {
    return { listings: this.last.size, tasks: this.keptTasks };
  }
}

class Listing implements BoardListing {
  constructor(readonly columns: readonly BoardColumn[]) {}

  json(): Buffer {
    return Buffer.from(JSON.stringify(this.columns));
  }
}
