import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/types.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

type Board = { columns: { name: string; tasks: Task[] }[]; now: number };

describe('GET /api/board bounds the closed columns', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    for (let i = 0; i < 3; i++) await h.store.createTask({ title: `open ${i}`, board: 'bounded', priority: i });
    for (let i = 0; i < 4; i++) {
      const task = await h.store.createTask({ title: `done ${i}`, board: 'bounded' });
      await h.store.updateTask(task.id, { status: 'done' });
    }
  });
  afterAll(async () => {
    await h.close();
  });

  const column = (board: Board, name: string): string[] => board.columns.find((c) => c.name === name)?.tasks.map((t) => t.title) ?? [];

  it('shows every done task under the default limit and every open one in board order', async () => {
    const answer = await h.api('GET', '/api/board?board=bounded', { token: h.tokens.viewer });
    expect(answer.status, answer.text).toBe(200);
    const board = bodyOf<Board>(answer);
    expect(column(board, 'ready')).toEqual(['open 2', 'open 1', 'open 0']);
    expect(column(board, 'done')).toHaveLength(4);
  });

  it('closed_limit trims done to that many and never an open column', async () => {
    const board = bodyOf<Board>(await h.api('GET', '/api/board?board=bounded&closed_limit=1', { token: h.tokens.viewer }));
    expect(column(board, 'done')).toHaveLength(1);
    expect(column(board, 'ready')).toHaveLength(3);
    const none = bodyOf<Board>(await h.api('GET', '/api/board?board=bounded&closed_limit=0', { token: h.tokens.viewer }));
    expect(column(none, 'done')).toEqual([]);
    expect(column(none, 'ready')).toHaveLength(3);
  });

  it('answers 400 naming closed_limit when it is not an integer from 0 to 10000', async () => {
    for (const bad of ['-1', 'abc', '10001', '1.5', '01']) {
      const answer = await h.api('GET', `/api/board?board=bounded&closed_limit=${bad}`, { token: h.tokens.viewer });
      expect(answer.status, bad).toBe(400);
      expect(bodyOf<{ detail: string }>(answer).detail).toContain('closed_limit');
    }
  });
});
