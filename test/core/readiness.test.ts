import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../../src/core/errors.js';
import { checkParents, findCycle, initialStatus, parentsNotDone, statusForParents } from '../../src/core/readiness.js';

describe('readiness', () => {
  it('initial status follows the parents unless triage is asked', () => {
    expect(initialStatus([], false)).toBe('ready');
    expect(initialStatus([{ id: 'a', status: 'done' }], false)).toBe('ready');
    expect(initialStatus([{ id: 'a', status: 'done' }, { id: 'b', status: 'running' }], false)).toBe('todo');
    expect(initialStatus([], true)).toBe('triage');
  });

  it('lists the parents not done, in order', () => {
    expect(
      parentsNotDone([
        { id: 'a', status: 'ready' },
        { id: 'b', status: 'done' },
        { id: 'c', status: 'archived' },
      ]),
    ).toEqual(['a', 'c']);
  });

  it('only todo and ready follow the parents', () => {
    expect(statusForParents('todo', true)).toBe('ready');
    expect(statusForParents('todo', false)).toBe('todo');
    expect(statusForParents('ready', false)).toBe('todo');
    expect(statusForParents('ready', true)).toBe('ready');
    for (const status of ['triage', 'running', 'blocked', 'done', 'archived'] as const) {
      expect(statusForParents(status, true)).toBe(status);
      expect(statusForParents(status, false)).toBe(status);
    }
  });

  it('finds the shortest cycle a new parent list would close', () => {
    // b's parent is a; c's parent is b.
    const ancestors = new Map([
      ['b', ['a']],
      ['c', ['b']],
    ]);
    expect(findCycle('a', ['b'], ancestors)).toEqual(['a', 'b', 'a']);
    expect(findCycle('a', ['c'], ancestors)).toEqual(['a', 'c', 'b', 'a']);
    expect(findCycle('a', ['x'], ancestors)).toBeNull();
    expect(findCycle('d', ['c'], ancestors)).toBeNull();
  });

  it('handles diamonds and long chains without false alarms or stack overflow', () => {
    const diamond = new Map([
      ['b', ['a']],
      ['c', ['a']],
      ['d', ['b', 'c']],
    ]);
    expect(findCycle('e', ['d'], diamond)).toBeNull();
    const chain = new Map<string, string[]>();
    for (let i = 1; i <= 50_000; i++) chain.set(`n${i}`, [`n${i - 1}`]);
    expect(findCycle('n0', ['n50000'], chain)?.length).toBe(50_002);
  });

  it('checkParents rejects self-parents, unknown parents and cycles with clear messages', () => {
    const known = new Set(['b']);
    const ancestors = new Map([['b', ['a']]]);
    expect(() => checkParents('a', ['a'], known, ancestors)).toThrow(InvalidInputError);
    expect(() => checkParents('a', ['a'], known, ancestors)).toThrow('task a cannot be its own parent');
    expect(() => checkParents('a', ['z'], known, ancestors)).toThrow(NotFoundError);
    expect(() => checkParents('a', ['b'], known, ancestors)).toThrow('parents would form a cycle: a -> b -> a');
    expect(() => checkParents(null, ['b'], known, ancestors)).not.toThrow();
    expect(() => checkParents('c', ['b'], known, ancestors)).not.toThrow();
  });
});
