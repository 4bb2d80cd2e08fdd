import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/**
 * Sends a JSON body the route put together itself, past the response schema's serializer, when it
 * differs in every request (the live listing with each run's process figures; a listing whose bytes
 * are the same each time goes through kept-bodies.ts instead); test/http/kept-json.test.ts holds its
 * bytes to that serializer's. The parts are pushed, as they are, into a plain stream:
 * `Readable.from(parts)` left ~3 MB of every request's stream objects alive at each scavenge, and
 * joining them into one buffer first is a copy of the whole body per request (bench/README.md,
 * visibility).
 */
export function sendJsonParts(reply: FastifyReply, parts: readonly Buffer[]): FastifyReply {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const body = new Readable({
    read() {
      for (const part of parts) this.push(part);
      this.push(null);
    },
  });
  return reply.type('application/json; charset=utf-8').header('content-length', length).send(body);
}
