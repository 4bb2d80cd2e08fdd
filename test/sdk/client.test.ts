import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/core/types.js';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ApiError, ConnectionError } from '../../src/sdk/api-error.js';
import { createClient } from '../../src/sdk/client.js';
import { startTestServer } from './helpers.js';
import type { TestServer } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

async function take(stream: AsyncGenerator<EventRow>, count: number): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  for await (const row of stream) {
    rows.push(row);
    if (rows.length === count) break;
  }
  return rows;
}

describe('createClient', () => {
  it('streams event rows and resumes after a given id without a gap', async () => {
    const controller = new AbortController();
    const first = await t.client.createTask({ title: 'one', board: 'c-events' });
    const second = await t.client.createTask({ title: 'two', board: 'c-events' });
    const all = await take(t.client.events({ board: 'c-events', lastEventId: 0, signal: controller.signal }), 2);
    expect(all.map((e) => e.task_id)).toEqual([first.id, second.id]);

    const resumed = t.client.events({ board: 'c-events', lastEventId: all[0]!.id, signal: controller.signal });
    const third = await t.client.createTask({ title: 'three', board: 'c-events' });
    const rest = await take(resumed, 2);
    expect(rest.map((e) => e.task_id)).toEqual([second.id, third.id]);
    controller.abort();
  });

  it('answers 401 as an ApiError for a wrong token', async () => {
    const stranger = createClient({ url: t.server.url, token: 'nope' });
    await expect(stranger.listTasks()).rejects.toMatchObject({ status: 401 });
    await expect(stranger.listTasks()).rejects.toBeInstanceOf(ApiError);
  });

  it('edits tasks and reads the board', async () => {
    const task = await t.client.createTask({ title: 'edit me', board: 'c-board' });
    const updated = await t.client.updateTask(task.id, { title: 'edited', priority: 3 });
    expect(updated).toMatchObject({ title: 'edited', priority: 3 });
    const board = await t.client.board('c-board');
    expect(board.columns.find((c) => c.name === 'ready')?.tasks.map((x) => x.id)).toEqual([task.id]);
  });

  it('a server that is not there is a ConnectionError naming why', async () => {
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    await new Promise((resolve) => listener.close(resolve));
    const nobody = createClient({ url: `http://127.0.0.1:${port}`, token: 'x' });
    await expect(nobody.listTasks()).rejects.toBeInstanceOf(ConnectionError);
    await expect(nobody.listTasks()).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a server that never answers is a ConnectionError after timeoutMs, and a signal ends a held claim', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer(() => undefined);
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await expect(createClient({ url, token: 'x', timeoutMs: 200 }).listTasks()).rejects.toThrow(/no answer within 200 ms/);
      const controller = new AbortController();
      const held = createClient({ url, token: 'x' }).claim({ worker: 'w', wait_seconds: 30 }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await expect(held).rejects.toBeInstanceOf(ConnectionError);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
