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
  private readonly entries = new Map<string, unknown>();
  private seenDataVersion = -1;
  private seenTotalChanges = -1;

  constructor(db: Database.Database) {
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
  }

  /** What `load` returned for `key` since the last change, else its fresh answer. Callers must not mutate it. */
  get<T>(key: string, load: () => T): T {
    this.dropIfChanged();
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = load();
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, value);
    return value;
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
    for (const [key, value] of this.entries) this.entries.set(key, update(key, value));
    this.seenTotalChanges = now.totalChanges;
  }
}

export interface CacheMark {
  dataVersion: number;
  totalChanges: number;
}
