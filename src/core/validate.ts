import { InvalidInputError } from './errors.js';
import { isBoardSlug } from './ids.js';
import { jsonBytes } from './input-limits.js';
import type { Json } from './types.js';

/** Field checks shared by the task, claim and run inputs; each input module builds on these and on nothing of the others. */

const MAX_JSON_DEPTH = 64;

/** The limit is the field's own (core/input-limits.ts). */
export function validateText(value: unknown, field: string, maxChars: number): string {
  if (typeof value !== 'string') throw new InvalidInputError(`${field} must be a string`);
  if (value.length > maxChars) throw new InvalidInputError(`${field} must be at most ${maxChars} characters`);
  return value;
}

export function validateSizedJson(value: unknown, field: string, maxBytes: number): Json {
  const json = validateJson(value, field);
  if (jsonBytes(json) > maxBytes) throw new InvalidInputError(`${field} must be at most ${maxBytes} bytes of JSON`);
  return json;
}

export function validateBoard(board: unknown): string {
  if (!isBoardSlug(board)) {
    throw new InvalidInputError(`board must match ^[a-z0-9][a-z0-9_-]{0,63}$, got ${JSON.stringify(board)}`);
  }
  return board;
}

export function validatePid(pid: unknown): void {
  if (pid === undefined || pid === null) return;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) {
    throw new InvalidInputError('pid must be a positive integer');
  }
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Rejects values JSON cannot carry (undefined, functions, NaN), which would not read back as written. */
export function validateJson(value: unknown, field: string): Json {
  const check = (v: unknown, depth: number): void => {
    if (depth > MAX_JSON_DEPTH) throw new InvalidInputError(`${field} is nested too deeply`);
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new InvalidInputError(`${field} must hold only finite numbers`);
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) check(item, depth + 1);
      return;
    }
    if (typeof v === 'object' && isPlainObject(v)) {
      for (const item of Object.values(v as Record<string, unknown>)) check(item, depth + 1);
      return;
    }
    throw new InvalidInputError(`${field} must be JSON (objects, arrays, strings, numbers, booleans, null)`);
  };
  check(value, 0);
  return value as Json;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
