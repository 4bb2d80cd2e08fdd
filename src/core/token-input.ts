import { InvalidInputError } from './errors.js';
import { isWorkerName } from './ids.js';
import type { Role } from './types.js';

export const ROLES: readonly Role[] = ['viewer', 'worker', 'operator', 'admin'];

export interface TokenDraft {
  role: Role;
  name: string;
  secret_hash: string;
  run_id: number | null;
}

export function validateNewToken(input: { role: Role; name: string; secret_hash: string; run_id?: number | null }): TokenDraft {
  if (!ROLES.includes(input.role)) throw new InvalidInputError(`role must be one of ${ROLES.join(', ')}`);
  if (typeof input.name !== 'string' || input.name.trim().length === 0 || input.name.length > 128) {
    throw new InvalidInputError('name must be a non-empty string of at most 128 characters');
  }
  // A worker token speaks for the worker of that name on the bus, so its name must be a valid worker name.
  if (input.role === 'worker' && !isWorkerName(input.name)) {
    throw new InvalidInputError(`a worker token's name must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$, got ${JSON.stringify(input.name)}`);
  }
  if (typeof input.secret_hash !== 'string' || input.secret_hash.length === 0) {
    throw new InvalidInputError('secret_hash must be a non-empty string');
  }
  const runId = input.run_id ?? null;
  if (runId !== null && (!Number.isSafeInteger(runId) || runId <= 0)) throw new InvalidInputError('run_id must be a positive integer');
  return { role: input.role, name: input.name, secret_hash: input.secret_hash, run_id: runId };
}

/** An admin secret a person chose must be as long as a generated one (24 random bytes are 32 base64url characters). */
export const MIN_ADMIN_SECRET_LENGTH = 24;
