import { ID_WORDS, TASK_ID_PATTERN } from '../http/schemas/common.js';
import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that reject bad input with a message naming what was expected. */

export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('expected an integer');
  return Number(value);
}

export function parsePositiveInteger(value: string): number {
  const n = parseInteger(value);
  if (n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function parseNonNegative(value: string): number {
  const n = parseInteger(value);
  if (n < 0) throw new InvalidArgumentError('expected a number of 0 or more');
  return n;
}

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds');
  return n;
}

export function parseRunId(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) <= 0) throw new InvalidArgumentError(ID_WORDS.run);
  return Number(value);
}

/** The same words the HTTP API answers for a malformed task id. */
export function parseTaskId(value: string): string {
  if (!new RegExp(TASK_ID_PATTERN).test(value)) throw new InvalidArgumentError(ID_WORDS.task);
  return value;
}

export function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`);
    }
    return value as T;
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
