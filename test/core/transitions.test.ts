import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { assertAssigneeChangeAllowed, planStatusChange } from '../../src/core/transitions.js';
import type { PatchableStatus } from '../../src/core/transitions.js';
import type { TaskStatus } from '../../src/core/types.js';

const task = (status: TaskStatus) => ({ id: 't_0000000a', status });
const PATCHABLE: PatchableStatus[] = ['triage', 'todo', 'ready', 'blocked', 'done', 'archived'];

describe('status transitions', () => {
  it('a same-status PATCH is a no-op', () => {
    for (const status of PATCHABLE) expect(planStatusChange(task(status), status, [])).toBeNull();
  });

  it('a running task never moves by PATCH', () => {
    for (const to of PATCHABLE) {
      expect(() => planStatusChange(task('running'), to, [])).toThrow(ConflictError);
      expect(() => planStatusChange(task('running'), to, [])).toThrow(/is running: stop its run/);
    }
  });

  it('ready needs every parent done', () => {
    expect(() => planStatusChange(task('triage'), 'ready', ['t_1', 't_2'])).toThrow(
      'task t_0000000a has parents not done: t_1, t_2',
    );
    expect(planStatusChange(task('triage'), 'ready', [])).toEqual({ status: 'ready', resetAttempts: false });
  });

  it('todo lands on ready when no parent is pending', () => {
    expect(planStatusChange(task('triage'), 'todo', [])).toEqual({ status: 'ready', resetAttempts: false });
    expect(planStatusChange(task('triage'), 'todo', ['t_1'])).toEqual({ status: 'todo', resetAttempts: false });
    expect(planStatusChange(task('ready'), 'todo', [])).toBeNull();
  });

  it('reopening done, archived or blocked is allowed and resets attempts', () => {
    for (const from of ['done', 'archived', 'blocked'] as const) {
      expect(planStatusChange(task(from), 'ready', [])).toEqual({ status: 'ready', resetAttempts: true });
      expect(planStatusChange(task(from), 'todo', ['t_1'])).toEqual({ status: 'todo', resetAttempts: true });
      expect(planStatusChange(task(from), 'triage', [])).toEqual({ status: 'triage', resetAttempts: true });
    }
  });

  it('settling a queued task keeps its attempts', () => {
    expect(planStatusChange(task('ready'), 'blocked', [])).toEqual({ status: 'blocked', resetAttempts: false });
    expect(planStatusChange(task('todo'), 'archived', ['t_1'])).toEqual({ status: 'archived', resetAttempts: false });
    expect(planStatusChange(task('blocked'), 'done', [])).toEqual({ status: 'done', resetAttempts: false });
  });

  it('the assignee of a running task is fixed', () => {
    const running = { id: 't_0000000a', status: 'running' as const, assignee: 'echo' };
    expect(() => assertAssigneeChangeAllowed(running, 'other')).toThrow(ConflictError);
    expect(() => assertAssigneeChangeAllowed(running, 'echo')).not.toThrow();
    expect(() => assertAssigneeChangeAllowed({ ...running, status: 'ready' }, 'other')).not.toThrow();
  });
});
