import { createHash } from 'node:crypto';
import type { ClientBase, Pool, QueryResultRow } from 'pg';

/** Anything that runs one statement: the pool (autocommit, one round trip) or a client inside a transaction. */
export type Executor = Pick<Pool, 'query'> | Pick<ClientBase, 'query'>;

const names = new Map<string, string>();

/**
 * Every statement is a named prepared statement, its name derived from its text: each pooled
 * connection parses and plans a statement once, then only binds and executes it.
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `pb_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/** Runs one statement and returns its rows. */
export async function rows<T extends QueryResultRow>(db: Executor, text: string, values: unknown[] = []): Promise<T[]> {
  const result = await db.query<T>({ name: statementName(text), text, values });
  return result.rows;
}

export async function row<T extends QueryResultRow>(db: Executor, text: string, values: unknown[] = []): Promise<T | undefined> {
  return (await rows<T>(db, text, values))[0];
}

/** Runs one statement and returns how many rows it touched. */
export async function execute(db: Executor, text: string, values: unknown[] = []): Promise<number> {
  const result = await db.query({ name: statementName(text), text, values });
  return result.rowCount ?? 0;
}

/** jsonb parameters travel as JSON text: node-postgres would turn a JS array into a PostgreSQL array literal. */
export function jsonParam(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
