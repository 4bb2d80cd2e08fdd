import type { RegistryRow } from '../../core/registry-status.js';
import type { EventRow } from '../../core/types.js';
import type { Bus, Subscription } from '../../ports/bus.js';
import type { Store } from '../../ports/store.js';
import { STREAM_KEEP_ALIVE_MS } from '../../core/stream-keep-alive.js';

export interface FeedClient {
  /** Only this board's events; null for all boards. */
  board: string | null;
  event(row: EventRow): void;
  worker(row: RegistryRow): void;
  comment(text: string): void;
  close(): void;
}

export interface EventFeedOptions {
  store: Store;
  bus: Bus;
  onWorkerChange?: (listener: (row: RegistryRow) => void) => () => void;
  onError?: (err: unknown) => void;
  keepAliveMs?: number;
  /** A safety net: a wake-up lost on the bus delays events by at most this long, never loses them. */
  pollMs?: number;
  pageSize?: number;
}

interface Member {
  client: FeedClient;
  /** Id of the last event this client was sent; it is never sent an id at or below it. */
  lastSent: number;
  catchingUp: boolean;
  held: EventRow[];
  gone: boolean;
  /** A listener inside the server (the claim long-poll), not a stream: not counted as a client. */
  internal: boolean;
}

const BOARD_EVENTS = 'board.*.events';

/**
 * One pump per server: commits and bus messages only wake it; it then reads the rows after its cursor
 * from the store, once, and fans them out. A joining client first catches up from its own position
 * with its own reads, while the pump holds live rows for it, so there is no gap and no duplicate.
 */
export class EventFeed {
  private readonly store: Store;
  private readonly bus: Bus;
  private readonly members = new Set<Member>();
  private internalMembers = 0;
  private readonly pageSize: number;
  private readonly cleanups: (() => void)[] = [];
  private cursor: number | null = null;
  private cursorInit: Promise<number> | null = null;
  private reading = false;
  private wokenWhileReading = false;
  private started = false;

  constructor(private readonly opts: EventFeedOptions) {
    this.store = opts.store;
    this.bus = opts.bus;
    this.pageSize = opts.pageSize ?? 500;
  }

  /** Event streams joined. */
  get clientCount(): number {
    return this.members.size - this.internalMembers;
  }

  /** In-process listeners (listen()) joined. */
  get listenerCount(): number {
    return this.internalMembers;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.cleanups.push(this.store.onCommit(() => this.wake()));
    const subscription = this.bus.subscribe(BOARD_EVENTS, { queueSize: 16 });
    void this.drainWakeUps(subscription);
    this.cleanups.push(() => subscription.close());
    if (this.opts.onWorkerChange) {
      this.cleanups.push(this.opts.onWorkerChange((row) => this.broadcastWorker(row)));
    }
    const keepAlive = setInterval(() => this.keepAlive(), this.opts.keepAliveMs ?? STREAM_KEEP_ALIVE_MS);
    const poll = setInterval(() => this.wake(), this.opts.pollMs ?? 5_000);
    keepAlive.unref();
    poll.unref();
    this.cleanups.push(() => clearInterval(keepAlive), () => clearInterval(poll));
  }

  /** Ends every stream (so a server can close) and stops listening. */
  stop(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    for (const member of this.members) {
      member.gone = true;
      member.client.close();
    }
    this.members.clear();
    this.internalMembers = 0;
    this.started = false;
  }

  /**
   * Adds a client that has seen every event up to `afterId` (null: it wants only what happens from now
   * on). Resolves once it has caught up; returns how to take it out again.
   */
  async join(client: FeedClient, afterId: number | null, internal = false): Promise<() => void> {
    const member: Member = { client, lastSent: afterId ?? 0, catchingUp: true, held: [], gone: false, internal };
    this.members.add(member);
    if (internal) this.internalMembers++;
    const leave = () => {
      if (member.gone) return;
      member.gone = true;
      if (this.members.delete(member) && internal) this.internalMembers--;
    };
    try {
      // The pump's cursor is fixed before the catch-up reads, so everything after it reaches this client live.
      const cursor = await this.ensureCursor();
      if (afterId === null) member.lastSent = cursor;
      else await this.catchUp(member);
      member.catchingUp = false;
      this.deliver(member, member.held.splice(0));
    } catch (err) {
      leave();
      throw err;
    }
    return leave;
  }

  /**
   * Every board's rows committed from now on, in id order, read by the shared pump; onClose when the
   * feed stops. Resolves once listening, with how to stop.
   */
  listen(onRows: (rows: EventRow[]) => void, onClose: () => void): Promise<() => void> {
    const client: FeedClient = {
      board: null,
      event: (row) => onRows([row]),
      worker: () => {},
      comment: () => {},
      close: onClose,
    };
    return this.join(client, null, true);
  }

  wake(): void {
    if (this.reading) {
      this.wokenWhileReading = true;
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    this.reading = true;
    try {
      do {
        this.wokenWhileReading = false;
        // Nobody listening: forget the position; the next client fixes a fresh one.
        if (this.members.size === 0) {
          this.cursor = null;
          return;
        }
        await this.readNewRows();
      } while (this.wokenWhileReading);
    } catch (err) {
      this.opts.onError?.(err);
    } finally {
      this.reading = false;
    }
  }

  private async readNewRows(): Promise<void> {
    let cursor = await this.ensureCursor();
    for (;;) {
      const rows = await this.store.listEvents({ after_id: cursor, limit: this.pageSize });
      for (const member of this.members) this.deliver(member, rows);
      const last = rows[rows.length - 1];
      if (last) cursor = Math.max(cursor, last.id);
      this.cursor = Math.max(this.cursor ?? 0, cursor);
      if (rows.length < this.pageSize) return;
    }
  }

  private ensureCursor(): Promise<number> {
    if (this.cursor !== null) return Promise.resolve(this.cursor);
    this.cursorInit ??= this.store.lastEventId().then(
      (id) => {
        this.cursor = Math.max(this.cursor ?? 0, id);
        this.cursorInit = null;
        return this.cursor;
      },
      (err: unknown) => {
        this.cursorInit = null;
        throw err;
      },
    );
    return this.cursorInit;
  }

  private async catchUp(member: Member): Promise<void> {
    const board = member.client.board ?? undefined;
    for (;;) {
      if (member.gone) return;
      const rows = await this.store.listEvents({ after_id: member.lastSent, board, limit: this.pageSize });
      this.send(member, rows);
      if (rows.length < this.pageSize) return;
    }
  }

  private deliver(member: Member, rows: EventRow[]): void {
    if (member.catchingUp) {
      member.held.push(...rows);
      return;
    }
    this.send(member, rows);
  }

  private send(member: Member, rows: EventRow[]): void {
    const board = member.client.board;
    for (const row of rows) {
      if (member.gone) return;
      if (row.id <= member.lastSent) continue;
      if (board !== null && row.board !== board) continue;
      member.client.event(row);
      member.lastSent = row.id;
    }
  }

  private broadcastWorker(row: RegistryRow): void {
    for (const member of this.members) member.client.worker(row);
  }

  private keepAlive(): void {
    for (const member of this.members) member.client.comment('keep-alive');
  }

  private async drainWakeUps(subscription: Subscription): Promise<void> {
    try {
      for await (const _message of subscription) this.wake();
    } catch (err) {
      this.opts.onError?.(err);
    }
  }
}
