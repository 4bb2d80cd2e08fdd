import http from 'node:http';
import { getEventListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { followSse } from '../../src/edges/cli/follow-sse.js';
import { plainServers } from '../sdk/helpers.js';

describe('followSse', () => {
  const servers = plainServers();
  afterEach(() => servers.closeAll());

  it('takes a stream that goes silent, not even a keep-alive, for lost and reopens it after the last id', async () => {
    const asked: Array<string | undefined> = [];
    const url = await servers.serve((request, response) => {
      asked.push(request.headers['last-event-id'] as string | undefined);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      // One event, then nothing: the connection stays open, as a dead peer's can.
      response.write(`id: ${asked.length}\ndata: event ${asked.length}\n\n`);
    });

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
    const url = await servers.serve((_request, response) => {
      requests++;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const beat = setInterval(() => response.write(': keep-alive\n\n'), 100);
      setTimeout(() => {
        clearInterval(beat);
        response.end('id: 1\ndata: last\n\n');
      }, 900);
    });

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

describe('followSse through an outage', () => {
  it('leaves no abort listener behind for each pause while the server stays down', async () => {
    // A port nothing listens on: every reopening fails at once and the follow pauses again (0.5, 0.5, 1, 2 s).
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const stop = new AbortController();
    let reconnecting = 0;
    const following = followSse({
      url: `http://127.0.0.1:${port}`,
      token: 't',
      path: '/api/events',
      reachedBefore: true,
      signal: stop.signal,
      onMessage: () => undefined,
      onReconnecting: () => reconnecting++,
      onReconnected: () => {},
    });
    // Inside the fourth pause: three are over.
    await new Promise((resolve) => setTimeout(resolve, 2300));
    const listening = getEventListeners(stop.signal, 'abort').length;
    stop.abort();
    await following;
    expect(reconnecting).toBe(1);
    // The pause's own and the current attempt's link: none left from the attempts and pauses before.
    expect(listening).toBe(2);
  });
});
