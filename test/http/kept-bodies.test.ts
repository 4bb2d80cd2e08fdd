import net from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeptBodies } from '../../src/edges/http/kept-bodies.js';

/** Larger than what the sockets on both ends buffer, so an answer to a client that does not read stays unsent. */
const FIXED = Buffer.alloc(16 * 1024 * 1024, 'x');
const KEY = {};

/** A GET over a raw socket; `paused` leaves the answer unread until resume() is called. */
function rawGet(port: number, path: string) {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  socket.pause();
  const ended = new Promise<string>((resolve) => socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1'))));
  return { socket, resume: () => socket.resume(), ended };
}

describe('KeptBodies: one buffer per key, its tail written in place only when no answer from it is still being sent', () => {
  let app: FastifyInstance;
  let port: number;
  let n = 0;
  const bodies = new KeptBodies<object>();

  beforeAll(async () => {
    app = Fastify();
    app.get('/', async (_request, reply) => bodies.send(reply, KEY, () => [Buffer.from('{"x":"'), FIXED], `","n":${++n}}`));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => app.close());

  const tailOf = (text: string): string => text.slice(text.lastIndexOf('"n":'));

  it('an answer still being sent keeps its bytes while the next request is answered, and after it the buffer is reused', async () => {
    const slow = rawGet(port, '/');
    // Give the server time to answer the slow client into its full socket.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const quick = await fetch(`http://127.0.0.1:${port}/`);
    const quickText = await quick.text();
    expect(tailOf(quickText)).toBe('"n":2}');
    expect(quickText.length).toBe(FIXED.length + '{"x":"'.length + '","n":2}'.length);
    slow.resume();
    const slowText = await slow.ended;
    expect(tailOf(slowText)).toBe('"n":1}');
    expect(slowText).toContain(`content-length: ${FIXED.length + '{"x":"'.length + '","n":1}'.length}`);
    // Both finished: the next answers come from the kept buffer again, each with its own tail.
    for (const expected of ['"n":3}', '"n":4}']) expect(tailOf(await (await fetch(`http://127.0.0.1:${port}/`)).text())).toBe(expected);
  });

  it('a client that leaves mid-answer retires the buffer; the next answers are whole', async () => {
    const leaving = rawGet(port, '/');
    await new Promise((resolve) => setTimeout(resolve, 200));
    leaving.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(text.startsWith('{"x":"xxx')).toBe(true);
    expect(JSON.parse(text)).toMatchObject({ n: n });
  });
});
