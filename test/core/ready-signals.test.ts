import { describe, expect, it } from 'vitest';
import { readySignals } from '../../src/core/ready-signals.js';
import type { EventRow } from '../../src/core/types.js';
import type { Json } from '../../src/core/types.js';

let nextId = 1;
function event(kind: string, payload: Record<string, Json>, board = 'b'): EventRow {
  return { id: nextId++, board, task_id: 't_00000001', run_id: null, kind, payload, created_at: 0 };
}

describe('readySignals', () => {
  it('a task created ready names its assignee; one created waiting on parents or in triage is no signal', () => {
    expect(readySignals([event('task_created', { status: 'ready', assignee: 'echo' })])).toEqual([{ board: 'b', assignee: 'echo' }]);
    expect(readySignals([event('task_created', { status: 'ready', assignee: null })])).toEqual([{ board: 'b', assignee: null }]);
    expect(readySignals([event('task_created', { status: 'todo', assignee: null })])).toEqual([]);
    expect(readySignals([event('task_created', { status: 'triage', assignee: null })])).toEqual([]);
  });

  it('a status change to ready and a requeueing run end are signals whose assignee is unknown', () => {
    const signals = readySignals([
      event('task_status', { from: 'todo', to: 'ready', reason: 'parents done' }),
      event('task_status', { from: 'ready', to: 'todo' }),
      event('reclaimed', { outcome: 'reclaimed', task_from: 'running', task_status: 'ready' }),
      event('timed_out', { outcome: 'gave_up', task_from: 'running', task_status: 'blocked' }),
      event('run_ended', { outcome: 'failed', task_from: 'running', task_status: 'ready' }),
      event('completed', { outcome: 'completed', task_from: 'running', task_status: 'done' }),
    ]);
    expect(signals).toEqual([{ board: 'b' }, { board: 'b' }, { board: 'b' }]);
  });

  it('a reassignment names the new assignee; other edits, claims and progress are no signal', () => {
    expect(readySignals([event('task_updated', { changes: { assignee: 'p2' } }, 'other')])).toEqual([{ board: 'other', assignee: 'p2' }]);
    expect(readySignals([event('task_updated', { changes: { assignee: null } })])).toEqual([{ board: 'b', assignee: null }]);
    expect(
      readySignals([
        event('task_updated', { changes: { priority: 3 } }),
        event('claimed', { attempt: 1 }),
        event('progress', { progress: true }),
        event('comment_added', { author: 'x' }),
      ]),
    ).toEqual([]);
  });
});
