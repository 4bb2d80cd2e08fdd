import type Database from 'better-sqlite3';

type Params = unknown[];

/** Prepared statements cached by their text: the hot paths (claim, heartbeat) prepare nothing per call. */
export class Statements {
  private readonly cache = new Map<string, Database.Statement>();

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

  run(sql: string, ...params: Params): Database.RunResult {
    return this.prepare(sql).run(...params);
  }
}
