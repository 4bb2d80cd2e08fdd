import { request as httpRequest } from 'node:http';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withFrameAncestors } from '../../src/edges/http/security-headers.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

const OVERSIZED = Buffer.alloc(5 * 1024 * 1024, 0x61);
const REQUEST_TIMEOUT_SECONDS = 2;
const OVERSIZED_CLIENT = fileURLToPath(new URL('./fixtures/oversized-client.mjs', import.meta.url));
const run = promisify(execFile);

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One POST over node:http; an EPIPE or reset before the answer rejects. */
function postWithNodeHttp(base: string, path: string, body: Buffer, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers: { 'content-length': String(body.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Raw bytes on a socket; resolves with everything the server sent before it closed. */
function rawExchange(port: number, bytes: string, opts: { endAfterWrite?: boolean } = {}): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), ms: Date.now() - started }));
    socket.write(bytes);
    if (opts.endAfterWrite) socket.end();
  });
}

function detailOf(httpText: string): unknown {
  const body = httpText.slice(httpText.indexOf('\r\n\r\n') + 4);
  return (JSON.parse(body) as { detail?: unknown }).detail;
}

describe('the HTTP edge: every refusal reaches the client as {detail}, with the security headers', { timeout: 120_000 }, () => {
  let h: Harness;
  let port: number;

  beforeAll(async () => {
    h = await startHarness({ settings: { request_timeout_seconds: REQUEST_TIMEOUT_SECONDS, headers_timeout_seconds: REQUEST_TIMEOUT_SECONDS } });
    port = Number(new URL(h.base).port);
  });
  afterAll(async () => {
    await h.close();
  });

  // The clients run in a process of their own: sharing the server's event loop hides the race.
  for (const mode of ['node:http', 'fetch'] as const) {
    it(`30 oversized bodies at once over ${mode} all see 413 {detail}`, async () => {
      for (const size of [4 * 1024 * 1024, 5 * 1024 * 1024]) {
        const { stdout } = await run(process.execPath, [OVERSIZED_CLIENT, `${h.base}/api/tasks`, h.tokens.admin, '30', mode === 'fetch' ? 'fetch' : 'node', String(size)]);
        const results = JSON.parse(stdout) as { status?: number; detail?: string; error?: string }[];
        expect(results.filter((r) => r.error !== undefined), `${size} bytes`).toEqual([]);
        expect(new Set(results.map((r) => `${r.status} ${r.detail}`))).toEqual(new Set(['413 request body is too large']));
      }
    });
  }

  it('an oversized body without a token sees its 401, also on a connection it asked to close', async () => {
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => postWithNodeHttp(h.base, '/api/tasks', OVERSIZED, { 'content-type': 'application/json', connection: 'close' })),
    );
    for (const { status, body } of answers) {
      expect(status).toBe(401);
      expect(typeof (JSON.parse(body) as { detail: unknown }).detail).toBe('string');
    }
  });

  it('an oversized chunked body (no Content-Length) sees 413 too', async () => {
    const answer = await new Promise<RawAnswer>((resolve, reject) => {
      const req = httpRequest(`${h.base}/api/tasks`, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write(OVERSIZED.subarray(0, 1024 * 1024));
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ detail: 'request body is too large' });
  });

  it('a request whose body never arrives is answered 408 {detail} and closed after the request timeout', async () => {
    const head = `POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"title":`;
    const { text, ms } = await rawExchange(port, head);
    expect(text).toMatch(/^HTTP\/1.1 408/);
    expect(detailOf(text)).toContain('timed out');
    expect(text.toLowerCase()).toContain('x-content-type-options: nosniff');
    // The server closed it, well before the 100 s the probe saw (bounded by timeout + check interval).
    expect(ms).toBeLessThan((REQUEST_TIMEOUT_SECONDS + 5) * 1000);
  });

  it('headers that never finish are closed too', async () => {
    const { text } = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(text).toMatch(/^HTTP\/1.1 408/);
    expect(detailOf(text)).toContain('timed out');
  });

  it('a framing error is 400 {detail}, not Fastify\'s own body', async () => {
    const { text } = await rawExchange(port, 'GARBAGE / HTTP/9\r\n\r\n', { endAfterWrite: true });
    expect(text).toMatch(/^HTTP\/1.1 400/);
    expect(detailOf(text)).toBe('malformed HTTP request');
    expect(text).not.toContain('"error"');
    const both = await rawExchange(port, 'POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', { endAfterWrite: true });
    expect(both.text).toMatch(/^HTTP\/1.1 400/);
    expect(typeof detailOf(both.text)).toBe('string');
  });

  it('an id of 5,000 digits is 414 {detail} that does not echo the URL', async () => {
    const digits = '9'.repeat(5000);
    const answer = await h.api('GET', `/api/runs/${digits}`);
    expect(answer.status).toBe(414);
    expect(bodyOf(answer)).toEqual({ detail: 'a path segment is too long' });
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    const badEscape = await h.api('GET', '/api/runs/%E0%A4%A');
    expect(badEscape.status).toBe(400);
    expect(typeof bodyOf(badEscape).detail).toBe('string');
  });

  it('a compressed body is 415 and changes nothing', async () => {
    const before = (await h.store.listTasks()).length;
    for (const encoding of ['gzip', 'deflate', 'br', 'x-unknown']) {
      const answer = await h.api('POST', '/api/tasks', { rawBody: '{"title":"zipped"}', headers: { 'content-encoding': encoding } });
      expect(answer.status, encoding).toBe(415);
      expect(String(bodyOf(answer).detail)).toContain('content-encoding');
    }
    const identity = await h.api('POST', '/api/tasks', { body: { title: 'plain' }, headers: { 'content-encoding': 'identity' } });
    expect(identity.status).toBe(201);
    expect((await h.store.listTasks()).length).toBe(before + 1);
  });

  it('nosniff and frame-ancestors on every kind of answer, an event stream included', async () => {
    const answers = [
      await h.api('GET', '/healthz'),
      await h.api('GET', '/metrics'),
      await h.api('GET', '/openapi.json'),
      await h.api('GET', '/api/board'),
      await h.api('GET', '/api/board', { token: null }),
      await h.api('GET', '/api/board', { token: h.tokens.worker }),
      await h.api('GET', '/api/nothing-here'),
      await h.api('GET', '/nothing-here', { token: null }),
      await h.api('POST', '/api/tasks', { rawBody: '{' }),
    ];
    for (const answer of answers) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    const controller = new AbortController();
    const stream = await fetch(`${h.base}/api/events`, { headers: { authorization: `Bearer ${h.tokens.admin}` }, signal: controller.signal });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
    expect(stream.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    controller.abort();
  });

  it("a route's own Content-Security-Policy is kept and gets frame-ancestors added", () => {
    expect(withFrameAncestors("default-src 'self'; script-src 'self'")).toBe("default-src 'self'; script-src 'self'; frame-ancestors 'none'");
    expect(withFrameAncestors("default-src 'self';")).toBe("default-src 'self'; frame-ancestors 'none'");
    expect(withFrameAncestors("default-src 'self'; frame-ancestors 'self'")).toBe("default-src 'self'; frame-ancestors 'self'");
    expect(withFrameAncestors('')).toBe("frame-ancestors 'none'");
  });
});
