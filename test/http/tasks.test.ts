import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/types.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

describe('board and tasks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  async function createTask(body: Record<string, unknown>): Promise<Task> {
    const answer = await h.api('POST', '/api/tasks', { body, token: h.tokens.operator });
    expect(answer.status, answer.text).toBe(201);
    return bodyOf<{ task: Task }>(answer).task;
  }

  it('POST /api/tasks creates a ready task with defaults and writes an event', async () => {
    const task = await createTask({ title: 'write docs', priority: 5, board: 'docs' });
    expect(task).toMatchObject({ title: 'write docs', priority: 5, board: 'docs', status: 'ready', body: '', assignee: null });
    expect(task.id).toMatch(/^t_[0-9a-f]{8}$/);
    const events = await h.store.listEvents({ task_id: task.id });
    expect(events.length).toBeGreaterThan(0);
  });

  it('a task with an unfinished parent waits in todo', async () => {
    const parent = await createTask({ title: 'parent', board: 'deps' });
    const child = await createTask({ title: 'child', board: 'deps', parents: [parent.id] });
    expect(child.status).toBe('todo');
  });

  it('GET /api/board groups tasks by status, highest priority first', async () => {
    await createTask({ title: 'low', board: 'cols', priority: 1 });
    await createTask({ title: 'high', board: 'cols', priority: 9 });
    const answer = await h.api('GET', '/api/board?board=cols', { token: h.tokens.viewer });
    expect(answer.status).toBe(200);
    const board = bodyOf<{ columns: { name: string; tasks: Task[] }[]; now: number }>(answer);
    expect(board.columns.map((c) => c.name)).toEqual(['triage', 'todo', 'ready', 'running', 'blocked', 'done', 'archived']);
    expect(board.columns.find((c) => c.name === 'ready')?.tasks.map((t) => t.title)).toEqual(['high', 'low']);
    expect(board.now).toBeGreaterThan(1_600_000_000);
  });

  it('GET /api/tasks filters by status, assignee and board', async () => {
    await createTask({ title: 'assigned', board: 'filter', assignee: 'echo' });
    await createTask({ title: 'free', board: 'filter' });
    const byAssignee = await h.api('GET', '/api/tasks?board=filter&assignee=echo', { token: h.tokens.viewer });
    expect(bodyOf<{ tasks: Task[] }>(byAssignee).tasks.map((t) => t.title)).toEqual(['assigned']);
    const byStatus = await h.api('GET', '/api/tasks?board=filter&status=done');
    expect(bodyOf<{ tasks: Task[] }>(byStatus).tasks).toEqual([]);
  });

  it('GET /api/tasks/:id returns the task with runs, events and comments', async () => {
    const task = await createTask({ title: 'detailed' });
    const comment = await h.api('POST', `/api/tasks/${task.id}/comments`, { body: { body: 'looks good' }, token: h.tokens.operator });
    expect(comment.status).toBe(201);
    expect(bodyOf<{ comment: { author: string; body: string } }>(comment).comment).toMatchObject({ author: 'otto', body: 'looks good' });
    const answer = await h.api('GET', `/api/tasks/${task.id}`, { token: h.tokens.viewer });
    expect(answer.status).toBe(200);
    const detail = bodyOf<{ task: Task; runs: unknown[]; events: { kind: string }[]; comments: unknown[] }>(answer);
    expect(detail.task.id).toBe(task.id);
    expect(detail.runs).toEqual([]);
    expect(detail.comments).toHaveLength(1);
    expect(detail.events.length).toBeGreaterThanOrEqual(2);
  });

  it('PATCH edits fields and moves status; running is refused with 400', async () => {
    const task = await createTask({ title: 'to edit' });
    const edited = await h.api('PATCH', `/api/tasks/${task.id}`, {
      body: { title: 'edited', priority: 3, result: { nested: [1, 'two'] } },
      token: h.tokens.operator,
    });
    expect(edited.status, edited.text).toBe(200);
    expect(bodyOf<{ task: Task }>(edited).task).toMatchObject({ title: 'edited', priority: 3, result: { nested: [1, 'two'] } });
    const blocked = await h.api('PATCH', `/api/tasks/${task.id}`, { body: { status: 'blocked' } });
    expect(bodyOf<{ task: Task }>(blocked).task.status).toBe('blocked');
    const running = await h.api('PATCH', `/api/tasks/${task.id}`, { body: { status: 'running' } });
    expect(running.status).toBe(400);
    expect(bodyOf(running).detail).toContain('running');
  });

  it('an impossible transition is 409 and changes nothing', async () => {
    const parent = await createTask({ title: 'unfinished parent' });
    const child = await createTask({ title: 'waiting child', parents: [parent.id] });
    const before = await h.store.getTask(child.id);
    const answer = await h.api('PATCH', `/api/tasks/${child.id}`, { body: { status: 'ready' } });
    expect(answer.status).toBe(409);
    expect(bodyOf(answer).detail).toContain(parent.id);
    expect(await h.store.getTask(child.id)).toEqual(before);
  });

  it('malformed ids are 400, unknown ids 404', async () => {
    for (const bad of ['t_123', 'T_0000000A', 'abc', 't_000000000']) {
      const answer = await h.api('GET', `/api/tasks/${bad}`);
      expect(answer.status, bad).toBe(400);
      expect(bodyOf(answer).detail).toContain('params.id');
    }
    const unknown = await h.api('GET', '/api/tasks/t_00000000');
    expect(unknown.status).toBe(404);
    expect(bodyOf(unknown).detail).toBe('task t_00000000 not found');
    expect((await h.api('PATCH', '/api/tasks/t_00000000', { body: { title: 'x' } })).status).toBe(404);
    expect((await h.api('POST', '/api/tasks/t_00000000/comments', { body: { body: 'x' } })).status).toBe(404);
    expect((await h.api('POST', '/api/tasks/t_00000000/reclaim')).status).toBe(404);
  });

  it('bodies are validated field by field', async () => {
    const cases: [unknown, string][] = [
      [{}, 'body.title is required'],
      [{ title: 5 }, 'body.title must be string'],
      [{ title: 'x', priority: 1.5 }, 'body.priority must be integer'],
      [{ title: 'x', priority: '5' }, 'body.priority must be integer'],
      [{ title: 'x', colour: 'red' }, 'body has an unknown field "colour"'],
      [{ title: 'x', parents: ['nope'] }, 'body.parents.0'],
      [{ title: 'x', board: 'Bad Board' }, 'body.board'],
      [{ title: 'x', assignee: 'a.b' }, 'body.assignee'],
    ];
    for (const [body, detail] of cases) {
      const answer = await h.api('POST', '/api/tasks', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(bodyOf(answer).detail).toContain(detail);
    }
  });

  it('reclaim of a task nobody holds is 409', async () => {
    const task = await createTask({ title: 'idle' });
    const answer = await h.api('POST', `/api/tasks/${task.id}/reclaim`, { token: h.tokens.operator });
    expect(answer.status).toBe(409);
    expect(bodyOf(answer).detail).toBe(`task ${task.id} is not held by any run`);
  });
});
