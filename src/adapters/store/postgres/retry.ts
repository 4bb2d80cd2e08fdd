import { InvalidInputError } from '../../../core/errors.js';

/** serialization_failure and deadlock_detected: PostgreSQL rolled the transaction back and asks for a retry. */
const RETRYABLE_CODES = new Set(['40001', '40P01']);

export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/** A random pause, growing with each attempt, so that competing transactions do not retry in lockstep. */
export function retryPause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 10 * (attempt + 1)));
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema name is spliced into SQL and a connection option, so only plain lower-case identifiers pass. */
export function validSchemaName(schema: string): string {
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new InvalidInputError(`schema must match ${SCHEMA_NAME.source}, got ${JSON.stringify(schema)}`);
  }
  return schema;
}
