import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/sdk/client.js';
import { readSse, StreamSilentError } from '../../src/sdk/sse.js';
import type { SseMessage } from '../../src/sdk/sse.js';
import { plainServers } from './helpers.js';

function streamHead(response: http.ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
}

describe('readSse', () => {
  const servers = plainServers();
  afterEach(() => servers.closeAll());

  it('frames messages split across chunks, skips comments, keeps the last id', async () => {
    const url = await servers.serve((_request, response) => {
      streamHead(response);
      response.write(': keep-alive\n\nid: 7\nevent: wor');
      setTimeout(() => response.end('ker\ndata: a\ndata: b\r\n\r\ndata: c\n\n'), 20);
    });
    const messages: SseMessage[] = [];
    for await (const message of readSse((await fetch(url)).body!, 1000)) messages.push(message);
    expect(messages).toEqual([
      { id: '7', event: 'worker', data: 'a\nb' },
      { id: '7', event: 'message', data: 'c' },
    ]);
  });

  it('throws StreamSilentError when the server sends nothing, not even a keep-alive, and closes the connection', async () => {
    let closed = false;
    const url = await servers.serve((request, response) => {
      streamHead(response);
      response.write('data: one\n\n');
      request.socket.on('close', () => (closed = true));
    });
    const messages: string[] = [];
    const reading = (async () => {
      for await (const message of readSse((await fetch(url)).body!, 200)) messages.push(message.data);
    })();
    await expect(reading).rejects.toBeInstanceOf(StreamSilentError);
    expect(messages).toEqual(['one']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it("counts only the wait for the server, not the caller's time with a message", async () => {
    const url = await servers.serve((_request, response) => {
      streamHead(response);
      response.write('data: one\n\n');
      setTimeout(() => response.end('data: two\n\n'), 100);
    });
    const messages: string[] = [];
    for await (const message of readSse((await fetch(url)).body!, 200)) {
      messages.push(message.data);
      // Longer than the limit, spent by the caller: the stream is not silent meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect(messages).toEqual(['one', 'two']);
  });

  it('closes the connection when the caller leaves the loop early', async () => {
    let closed = false;
    const url = await servers.serve((request, response) => {
      streamHead(response);
      response.write('data: one\n\n');
      request.socket.on('close', () => (closed = true));
    });
    for await (const message of readSse((await fetch(url)).body!, 10_000)) {
      expect(message.data).toBe('one');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it("ends the client's event stream with StreamSilentError when it goes silent", async () => {
    const url = await servers.serve((_request, response) => {
      streamHead(response);
      response.write(`id: 1\ndata: ${JSON.stringify({ id: 1, kind: 'task_created' })}\n\n`);
    });
    const seen: number[] = [];
    const following = (async () => {
      for await (const row of createClient({ url, token: 't' }).events({ silenceMs: 200 })) seen.push(row.id);
    })();
    await expect(following).rejects.toBeInstanceOf(StreamSilentError);
    expect(seen).toEqual([1]);
  });
});
