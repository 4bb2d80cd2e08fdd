import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { planTaskUpdate } from '../../src/core/task-update.js';
import { makeTask } from './fixtures.js';

describe('planTaskUpdate', () => {
  it('keeps only the fields that change', () => {
    const task = makeTask({ title: 'a', priority: 1, result: { x: 1 } });
    expect(planTaskUpdate(task, { title: 'a', priority: 2, result: { x: 1 } }, [])).toEqual({
      changes: { priority: 2 },
      status: null,
    });
  });

  it('a parent change moves ready to todo and back', () => {
    const ready = makeTask({ status: 'ready' });
    expect(planTaskUpdate(ready, { parents: ['t_0000000b'] }, ['t_0000000b'])).toEqual({
      changes: { parents: ['t_0000000b'] },
      status: { from: 'ready', to: 'todo', resetAttempts: false },
    });
    const todo = makeTask({ status: 'todo', parents: ['t_0000000b'] });
    expect(planTaskUpdate(todo, { parents: [] }, []).status).toEqual({ from: 'todo', to: 'ready', resetAttempts: false });
    const blocked = makeTask({ status: 'blocked' });
    expect(planTaskUpdate(blocked, { parents: ['t_0000000b'] }, ['t_0000000b']).status).toBeNull();
  });

  it('an explicit status decides over the parents', () => {
    const done = makeTask({ status: 'done', attempts: 3 });
    expect(planTaskUpdate(done, { status: 'ready' }, []).status).toEqual({ from: 'done', to: 'ready', resetAttempts: true });
    expect(() => planTaskUpdate(done, { status: 'ready', parents: ['t_0000000b'] }, ['t_0000000b'])).toThrow(ConflictError);
  });

  it('a running task keeps its assignee and status', () => {
    const running = makeTask({ status: 'running', assignee: 'echo' });
    expect(() => planTaskUpdate(running, { assignee: null }, [])).toThrow(ConflictError);
    expect(() => planTaskUpdate(running, { status: 'ready' }, [])).toThrow(ConflictError);
    expect(planTaskUpdate(running, { title: 'renamed', assignee: 'echo' }, [])).toEqual({
      changes: { title: 'renamed' },
      status: null,
    });
  });
});
