import type Database from 'better-sqlite3';

/** Beyond this many distinct keys (e.g. boards) the cache starts over rather than grow. */
const MAX_ENTRIES = 256;

/**
 * Results of reads kept until the database changes, so a dashboard polling an idle fleet re-reads
 * nothing. A change is noticed exactly, never by age: `PRAGMA data_version` moves when another
 * connection (another process) commits, `total_changes()` when this one writes. Both are read before
 * the loader runs, so a commit racing with a load can only make the next call load again.
 */
export class ReadCache {
  private readonly dataVersion: Database.Statement;
  private readonly totalChanges: Database.Statement;
  private readonly entries = new Map<string, { value: unknown; stamp: number }>();
  /** Each value the cache holds gets a number of its own, never given twice by this cache. */
  private lastStamp = 0;
  private seenDataVersion = -1;
  private seenTotalChanges = -1;

  constructor(db: Database.Database) {
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
  }

  /** What `load` returned for `key` since the last change, else its fresh answer. Callers must not mutate it. */
  get<T>(key: string, load: () => T): T {
    return this.entry(key, load).value as T;
  }

  /**
   * Names the value `get(key, load)` answers now: equal stamps mean the same value object, kept since,
   * whatever else was written (a carried write that left this value as it was keeps its stamp).
   */
  stamp(key: string, load: () => unknown): number {
    return this.entry(key, load).stamp;
  }

  private entry(key: string, load: () => unknown): { value: unknown; stamp: number } {
    this.dropIfChanged();
    const kept = this.entries.get(key);
    if (kept !== undefined) return kept;
    const entry = { value: load(), stamp: ++this.lastStamp };
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, entry);
    return entry;
  }

  /**
   * Names the state of the database the cached results stand for: it differs after any commit, of
   * this connection or another, and after a carried write.
   */
  version(): string {
    this.dropIfChanged();
    return `${this.seenDataVersion}.${this.seenTotalChanges}`;
  }

  private dropIfChanged(): void {
    const dataVersion = this.dataVersion.get() as number;
    const totalChanges = this.totalChanges.get() as number;
    if (dataVersion !== this.seenDataVersion || totalChanges !== this.seenTotalChanges) {
      this.entries.clear();
      this.seenDataVersion = dataVersion;
      this.seenTotalChanges = totalChanges;
    }
  }

  /** The change counters as they are now; a writer takes them before a write it may `carry` over. */
  mark(): CacheMark {
    return { dataVersion: this.dataVersion.get() as number, totalChanges: this.totalChanges.get() as number };
  }

  /**
   * Keeps the cached results across one write of this connection, applying `update` to each, instead
   * of dropping them all: only when they were current at `before` (nothing changed since they were
   * read), no other connection committed since, and this connection changed exactly `changes` rows
   * since `before` (so no other write of its own slipped in between). Otherwise the next get reloads.
   */
  carry(before: CacheMark, changes: number, update: (key: string, value: unknown) => unknown): void {
    if (before.dataVersion !== this.seenDataVersion || before.totalChanges !== this.seenTotalChanges) return;
    const now = this.mark();
    if (now.dataVersion !== before.dataVersion || now.totalChanges !== before.totalChanges + changes) return;
    for (const [key, entry] of this.entries) {
      const value = update(key, entry.value);
      if (value !== entry.value) this.entries.set(key, { value, stamp: ++this.lastStamp });
    }
    this.seenTotalChanges = now.totalChanges;
  }
}

export interface CacheMark {
  dataVersion: number;
  totalChanges: number;
}
