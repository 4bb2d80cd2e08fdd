import type Database from 'better-sqlite3';

type Params = unknown[];

/** Prepared statements cached by their text: the hot paths (claim, heartbeat) prepare nothing per call. */
export class Statements {
  private readonly cache = new Map<string, Database.Statement>();
  private readonly rawCache = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  private prepare(sql: string): Database.Statement {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  get<T>(sql: string, ...params: Params): T | undefined {
    return this.prepare(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: Params): T[] {
    return this.prepare(sql).all(...params) as T[];
  }

  /** Rows as arrays in column order: no object with named columns is built per row, which dominates wide reads. */
  allRaw(sql: string, ...params: Params): unknown[][] {
    let statement = this.rawCache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql).raw(true);
      this.rawCache.set(sql, statement);
    }
    return statement.all(...params) as unknown[][];
  }

  run(sql: string, ...params: Params): Database.RunResult {
    return this.prepare(sql).run(...params);
  }
}
