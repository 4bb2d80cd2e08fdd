import type { FastifyReply } from 'fastify';

/** Room kept after a body's fixed bytes for its per-request tail (a count and a time, a few dozen bytes). */
const MAX_TAIL_BYTES = 128;

interface Body {
  readonly buffer: Buffer;
  /** Bytes of the fixed part: the tail is written from here. */
  readonly fixed: number;
  /** An answer from this buffer is being sent: its bytes must not change until it has finished. */
  busy: boolean;
}

/**
 * Whole response bodies kept per key (a view's listing): the fixed bytes copied once into a buffer
 * with room for the tail each request writes after them. A request writes its tail in place and sends
 * the buffer as one Buffer, so neither a stream nor a copy per request: a stream's machinery was ~46 KB
 * of garbage a request, scavenged inside the renewing listing's window, and a 430 KB copy a request set
 * off mark-compacts (bench/README.md, visibility). While an answer from the buffer is still being sent,
 * a request gets a copy of its own; an answer that ended without finishing (the client left) retires
 * its buffer, since the socket may still hold it.
 */
export class KeptBodies<K extends object> {
  private readonly bodies = new WeakMap<K, Body>();

  /** Sends `fixed()` (made once per key) followed by `tail`, which must be ASCII, as application/json. */
  send(reply: FastifyReply, key: K, fixed: () => readonly Buffer[], tail: string): FastifyReply {
    let body = this.bodies.get(key);
    if (body === undefined) {
      const parts = fixed();
      const size = parts.reduce((sum, part) => sum + part.length, 0);
      const buffer = Buffer.allocUnsafe(size + MAX_TAIL_BYTES);
      let at = 0;
      for (const part of parts) at += part.copy(buffer, at);
      body = { buffer, fixed: size, busy: false };
      this.bodies.set(key, body);
    }
    reply.type('application/json; charset=utf-8');
    if (body.busy || tail.length > MAX_TAIL_BYTES) {
      return reply.send(Buffer.concat([body.buffer.subarray(0, body.fixed), Buffer.from(tail, 'latin1')]));
    }
    const end = body.fixed + body.buffer.write(tail, body.fixed, 'latin1');
    const kept = body;
    kept.busy = true;
    const response = reply.raw;
    const finished = (): void => {
      kept.busy = false;
      response.removeListener('close', closed);
    };
    const closed = (): void => {
      response.removeListener('finish', finished);
      if (this.bodies.get(key) === kept) this.bodies.delete(key);
    };
    response.once('finish', finished);
    response.once('close', closed);
    return reply.send(kept.buffer.subarray(0, end));
  }
}
