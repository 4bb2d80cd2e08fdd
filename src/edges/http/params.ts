import { InvalidInputError } from '../../core/errors.js';
import type { PublicRun, Run } from '../../core/types.js';

/** The schema has already checked the digits; what remains is the bound JSON numbers can hold exactly. */
export function parseRunId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw new InvalidInputError(`run id must be a positive integer up to 2^53, got ${text}`);
  return id;
}

export function parseEventId(text: string, field: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 0) throw new InvalidInputError(`${field} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return id;
}

/** The run without its fencing token; the response schemas drop it too, this keeps it out of memory paths. */
export function publicRun(run: Run): PublicRun {
  const { claim_token: _secret, ...rest } = run;
  return rest;
}
