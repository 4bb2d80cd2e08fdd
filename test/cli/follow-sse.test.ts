import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { followSse } from '../../src/edges/cli/follow-sse.js';

describe('followSse', () => {
  const servers: http.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('takes a stream that goes silent, not even a keep-alive, for lost and reopens it after the last id', async () => {
    const asked: Array<string | undefined> = [];
    const server = http.createServer((request, response) => {
      asked.push(request.headers['last-event-id'] as string | undefined);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      // One event, then nothing: the connection stays open, as a dead peer's can.
      response.write(`id: ${asked.length}\ndata: event ${asked.length}\n\n`);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const stop = new AbortController();
    const data: string[] = [];
    const reasons: string[] = [];
    await followSse({
      url,
      token: 't',
      path: '/api/events',
      lastEventId: '0',
      signal: stop.signal,
      silenceMs: 300,
      onMessage: (message) => {
        data.push(message.data);
        return data.length === 2 ? 'stop' : undefined;
      },
      onReconnecting: (reason) => reasons.push(reason),
      onReconnected: () => {},
    });

    expect(data).toEqual(['event 1', 'event 2']);
    expect(asked).toEqual(['0', '1']);
    expect(reasons).toEqual(['nothing read for 0.3 s, not even a keep-alive']);
  });

  it('keeps a stream whose keep-alives come in time', async () => {
    let requests = 0;
    const server = http.createServer((_request, response) => {
      requests++;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const beat = setInterval(() => response.write(': keep-alive\n\n'), 100);
      setTimeout(() => {
        clearInterval(beat);
        response.end('id: 1\ndata: last\n\n');
      }, 900);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const reasons: string[] = [];
    await followSse({
      url,
      token: 't',
      path: '/api/events',
      signal: new AbortController().signal,
      silenceMs: 300,
      onMessage: () => 'stop',
      onReconnecting: (reason) => reasons.push(reason),
      onReconnected: () => {},
    });
    expect(requests).toBe(1);
    expect(reasons).toEqual([]);
  });
});
