import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SECURITY_HEADERS } from './security-headers.js';

/** What Node's parser reports about a request it could not read, as the API answers it. */
function answerForClientError(code: string | undefined): { status: number; detail: string } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, detail: 'request timed out: headers and body must arrive in time' };
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, detail: 'request headers are too large' };
  if (code === 'HPE_URI_TOO_LONG' || code === 'HPE_URL_TOO_LONG') return { status: 414, detail: 'request URL is too long' };
  return { status: 400, detail: 'malformed HTTP request' };
}

/**
 * Fastify's default writes {"error","message"} for a request Node could not parse; the API answers
 * {"detail"} with the same security headers as every other answer, then closes the connection
 * (its framing is lost, so nothing after it on the socket can be trusted).
 */
export function handleClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { status, detail } = answerForClientError(err.code);
    const body = JSON.stringify({ detail });
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
      ...SECURITY_HEADERS,
    };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${body}`);
    // A half-closed socket still drains what the client sends, so the answer is not lost to a reset.
    socket.setTimeout(5000, () => socket.destroy());
    socket.resume();
    return;
  }
  socket.destroy();
}

/** Errors the router raises before any route runs: an id segment too long (414), a malformed URL. */
export function handleFrameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply
    .code(tooLong ? 414 : 400)
    .headers(SECURITY_HEADERS)
    .send({ detail: tooLong ? 'a path segment is too long' : 'malformed URL: a path segment is not valid percent-encoding' });
}
