import { randomBytes } from 'node:crypto';

const TASK_ID = /^t_[0-9a-f]{8}$/;
const BOARD_SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
// Worker and profile names become bus subject tokens (system.<name>.health), so no dots.
const BUS_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Random bytes drawn from the CSPRNG 4 KB at a time and each handed out once: every claim makes a
 * task's claim token and each created task an id, and one call into the CSPRNG per id cost more
 * than the bytes (12 µs a claim on the HTTP path, npm run bench; Node's randomUUID pools the same way).
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomSlice(length: number): Buffer {
  if (poolOffset + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return slice;
}

export function newTaskId(): string {
  return `t_${randomSlice(4).toString('hex')}`;
}

/** The fencing secret handed to a run's worker; 256 bits so it cannot be guessed. */
export function newClaimToken(): string {
  return randomSlice(32).toString('base64url');
}

export function newTokenId(): string {
  return `tok_${randomSlice(6).toString('hex')}`;
}

export function isTaskId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID.test(value);
}

export function isBoardSlug(value: unknown): value is string {
  return typeof value === 'string' && BOARD_SLUG.test(value);
}

export function isWorkerName(value: unknown): value is string {
  return typeof value === 'string' && BUS_NAME.test(value);
}

export function isProfileName(value: unknown): value is string {
  return typeof value === 'string' && BUS_NAME.test(value);
}

export const DEFAULT_BOARD = 'default';
