import type { FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { InvalidInputError } from '../../core/errors.js';
import { HttpError } from './http-error.js';
import { PATTERN_WORDS } from './schemas/common.js';

/**
 * Ajv as the API wants it: unknown fields are errors rather than silently dropped, and no body value
 * changes type on the way in. Ids and numbers in paths and query strings are declared as strings with
 * patterns and parsed by the routes, so those need no coercion either and every part validates alike.
 */
export const AJV_OPTIONS = {
  removeAdditional: false,
  coerceTypes: false,
  useDefaults: false,
  allErrors: false,
  // Puts the refused value into the error (only on failure), so the answer can quote it.
  verbose: true,
} as const;

const MAX_BODY_DEPTH = 64;

/** One readable sentence naming the offending field, e.g. "body.priority must be integer". */
export function formatValidationError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  if (!first) return new Error(`${dataVar} is invalid`);
  const path = first.instancePath ? `${dataVar}${first.instancePath.replace(/\//g, '.')}` : dataVar;
  const params = first.params as Record<string, unknown>;
  if (first.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return new Error(`${path} has an unknown field ${JSON.stringify(params.additionalProperty)}`);
  }
  if (first.keyword === 'required' && typeof params.missingProperty === 'string') {
    return new Error(`${path}.${params.missingProperty} is required`);
  }
  const words = first.keyword === 'pattern' && typeof params.pattern === 'string' ? PATTERN_WORDS[params.pattern] : undefined;
  if (words !== undefined) return new Error(`${path}: ${quote((first as { data?: unknown }).data)} is ${words}`);
  if (first.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return new Error(`${path} must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`);
  }
  return new Error(`${path} ${first.message ?? 'is invalid'}`);
}

function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/**
 * Fastify validates a body only when one was sent with a JSON content type; a route that expects one
 * must still refuse an empty request, and a route whose fields are all optional takes it as {}.
 */
export function requireBody(request: FastifyRequest): void {
  if (request.body !== undefined) return;
  if (!request.routeOptions.schema?.body) return;
  if (request.routeOptions.config.optionalBody === true) {
    request.body = {};
    return;
  }
  throw new InvalidInputError('a JSON request body is required (content-type: application/json)');
}

/**
 * Bodies are read as sent; a compressed one would be parsed as if it were JSON text. Refused before
 * the body is read, whatever the encoding claims.
 */
export function refuseContentEncoding(request: FastifyRequest): void {
  const encoding = request.headers['content-encoding'];
  if (encoding === undefined || encoding.trim().toLowerCase() === 'identity' || encoding.trim() === '') return;
  throw new HttpError(415, `unsupported content-encoding ${JSON.stringify(encoding.slice(0, 40))}: send the body uncompressed`);
}

/**
 * NUL characters are refused everywhere: PostgreSQL cannot store them in text or jsonb. Recursion is
 * safe because it stops at MAX_BODY_DEPTH; it allocates nothing, since every write request passes here.
 */
export function checkBodyValues(body: unknown): void {
  checkValue(body, 0);
}

function checkValue(value: unknown, depth: number): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new InvalidInputError('body must not contain NUL characters (\\u0000)');
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_BODY_DEPTH) throw new InvalidInputError(`body is nested deeper than ${MAX_BODY_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (const item of value) checkValue(item, depth + 1);
    return;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    checkValue(key, depth + 1);
    checkValue((value as Record<string, unknown>)[key], depth + 1);
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** All body fields are optional: an empty request counts as {}. */
    optionalBody?: boolean;
  }
}
