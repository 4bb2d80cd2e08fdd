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
    const dataVersion = this.dataVersion.get() as number;
    const totalChanges = this.totalChanges.get() as number;
    if (dataVersion !== this.seenDataVersion || totalChanges !== this.seenTotalChanges) {
      this.entries.clear();
      this.seenDataVersion = dataVersion;
      this.seenTotalChanges = totalChanges;
    }
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = load();
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }
}
