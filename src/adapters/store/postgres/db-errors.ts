import { InvalidInputError } from '../../../core/errors.js';

/**
 * Values SQLite stores but PostgreSQL refuses: a NUL character in text or jsonb, a number beyond a
 * column's range. They are the caller's input, so they become InvalidInputError (400), not a 500.
 */
const INPUT_REFUSED: Record<string, string> = {
  '22021': 'text must not contain NUL characters',
  '22P05': 'JSON strings must not contain NUL characters',
  '22003': 'a number is out of range',
};

export function asInputError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return err;
  const message = INPUT_REFUSED[code];
  return message === undefined ? err : new InvalidInputError(message);
}
