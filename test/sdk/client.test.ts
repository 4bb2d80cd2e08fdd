import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../../src/core/types.js';
import { ApiError } from '../../src/sdk/api-error.js';
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
});
