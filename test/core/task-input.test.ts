import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { validateNewTask, validateTaskPatch } from '../../src/core/task-input.js';
import { validateJson } from '../../src/core/validate.js';
import type { NewTask, TaskPatch } from '../../src/ports/store.js';

describe('task input', () => {
  it('fills defaults', () => {
    expect(validateNewTask({ title: 'x' })).toEqual({
      board: 'default',
      title: 'x',
      body: '',
      assignee: null,
      priority: 0,
      parents: [],
      max_runtime_seconds: null,
      max_attempts: 3,
      triage: false,
    });
  });

  it.each<[string, NewTask, RegExp]>([
    ['empty title', { title: '  ' }, /title/],
    ['bad board', { title: 'x', board: 'Big Board' }, /board/],
    ['dotted assignee', { title: 'x', assignee: 'a.b' }, /assignee/],
    ['fractional priority', { title: 'x', priority: 1.5 }, /priority/],
    ['malformed parent', { title: 'x', parents: ['t_zz'] }, /parent/],
    ['duplicate parent', { title: 'x', parents: ['t_0000000a', 't_0000000a'] }, /twice/],
    ['zero runtime', { title: 'x', max_runtime_seconds: 0 }, /max_runtime_seconds/],
    ['zero attempts', { title: 'x', max_attempts: 0 }, /max_attempts/],
  ])('rejects %s', (_name, input, message) => {
    expect(() => validateNewTask(input)).toThrow(InvalidInputError);
    expect(() => validateNewTask(input)).toThrow(message);
  });

  it('keeps only known patch fields and checks each', () => {
    const patch = { title: 'y', status: 'done', unknown: 1 } as TaskPatch;
    expect(validateTaskPatch(patch)).toEqual({ title: 'y', status: 'done' });
    expect(() => validateTaskPatch({ status: 'running' as never })).toThrow(/only a claim makes a task running/);
    expect(() => validateTaskPatch({ status: 'flying' as never })).toThrow(InvalidInputError);
    expect(validateTaskPatch({ assignee: null, max_runtime_seconds: null })).toEqual({ assignee: null, max_runtime_seconds: null });
  });

  it('accepts JSON and refuses what JSON cannot carry', () => {
    expect(validateJson({ a: [1, 'b', null, true, { c: 2 }] }, 'result')).toEqual({ a: [1, 'b', null, true, { c: 2 }] });
    expect(() => validateJson({ a: Number.NaN }, 'result')).toThrow(/finite/);
    expect(() => validateJson({ a: undefined }, 'result')).toThrow(/JSON/);
    expect(() => validateJson(new Date(), 'result')).toThrow(/JSON/);
  });
});
