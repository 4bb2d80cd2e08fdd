import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isPulseboardError } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import { HttpError } from './http-error.js';
import { discardUnreadBody } from './unread-body.js';

const STATUS_OF_CODE: Record<ErrorCode, number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  lease_lost: 409,
};

/** Fastify's own request errors (bad JSON, oversized or mistyped bodies) and what to tell the client. */
const FRAMEWORK_ERRORS: Record<string, (err: FastifyError) => string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => 'request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => 'request body is empty but content-type is application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: () => 'request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => 'unsupported content-type: send application/json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => 'content-length does not match the body',
};

export interface ErrorAnswer {
  status: number;
  detail: string;
}

/** Maps anything thrown while serving a request to a status and a safe message; never leaks internals. */
export function answerFor(err: unknown): ErrorAnswer {
  if (isPulseboardError(err)) return { status: STATUS_OF_CODE[err.code], detail: err.message };
  const fastifyError = err as Partial<FastifyError> | null;
  if (fastifyError && Array.isArray(fastifyError.validation)) {
    return { status: 400, detail: fastifyError.message ?? 'invalid request' };
  }
  const describe = fastifyError?.code ? FRAMEWORK_ERRORS[fastifyError.code] : undefined;
  if (describe) return { status: fastifyError?.statusCode ?? 400, detail: describe(fastifyError as FastifyError) };
  // Fastify's JSON parser refuses __proto__ and constructor.prototype keys with a SyntaxError of status 400.
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, detail: fastifyError?.message ?? 'bad request' };
  }
  return { status: 500, detail: 'internal error' };
}

export interface ErrorHandlerOptions {
  logToConsole: boolean;
  /** How much of a refused request's unread body is read and dropped so the client sees the answer. */
  discardLimitBytes: number;
}

export function createErrorHandler(opts: ErrorHandlerOptions) {
  return async function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<{ detail: string }> {
    const answer = answerFor(err);
    if (answer.status >= 500) {
      request.log.error({ err }, 'unhandled error');
      // Without a logger an internal error would vanish; it must never pass unseen.
      if (opts.logToConsole) console.error(`pulseboard: ${request.method} ${request.url} failed:`, err);
    }
    // Beyond the bound the connection is given up: what is still unread makes its framing unknowable.
    if ((await discardUnreadBody(request.raw, opts.discardLimitBytes)) === 'too_much') reply.header('connection', 'close');
    if (err instanceof HttpError) void reply.headers(err.headers);
    void reply.code(answer.status);
    return { detail: answer.detail };
  };
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? request.url;
  void reply.code(404).send({ detail: `no route ${request.method} ${path.slice(0, 200)}` });
}
