import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { settleRun } from '../../src/core/settle.js';
import type { SettleInput } from '../../src/core/settle.js';
import { FakeClock } from '../../src/ports/clock.js';
import { makeRun, makeTask } from './fixtures.js';

const clock = new FakeClock();
const run = makeRun({ id: 5, metadata: { progress: 3 } });
const running = (overrides = {}) => makeTask({ status: 'running', current_run_id: 5, attempts: 1, max_attempts: 3, ...overrides });
const settle = (input: SettleInput, task = running(), parentsDone = true) => settleRun(task, run, input, clock.now(), parentsDone);

describe('settleRun', () => {
  it('completed → done, blocked → blocked', () => {
    expect(settle({ outcome: 'completed' })).toEqual({
      outcome: 'completed',
      task_status: 'done',
      ended_at: clock.now(),
      metadata: { progress: 3 },
    });
    expect(settle({ outcome: 'blocked' }).task_status).toBe('blocked');
  });

  it.each(['failed', 'crashed', 'timed_out', 'reclaimed', 'spawn_failed'] as const)(
    '%s is retried while attempts remain, then gives up',
    (outcome) => {
      expect(settle({ outcome })).toMatchObject({ outcome, task_status: 'ready' });
      expect(settle({ outcome }, running({ attempts: 2 }))).toMatchObject({ outcome, task_status: 'ready' });
      expect(settle({ outcome }, running({ attempts: 3 }))).toEqual({
        outcome: 'gave_up',
        task_status: 'blocked',
        ended_at: clock.now(),
        metadata: { progress: 3, cause: outcome },
      });
    },
  );

  it('a retry waits in todo when a parent was reopened meanwhile', () => {
    expect(settle({ outcome: 'failed' }, running(), false).task_status).toBe('todo');
  });

  it('terminated without a destination requeues, even on the last attempt', () => {
    expect(settle({ outcome: 'terminated' }, running({ attempts: 3 }))).toMatchObject({
      outcome: 'terminated',
      task_status: 'ready',
    });
  });

  it('an explicit destination overrides the retry rules', () => {
    const last = running({ attempts: 3 });
    expect(settle({ outcome: 'crashed', then: 'requeue' }, last)).toMatchObject({ outcome: 'crashed', task_status: 'ready' });
    expect(settle({ outcome: 'crashed', then: 'requeue' }, last, false).task_status).toBe('todo');
    expect(settle({ outcome: 'terminated', then: 'block' }).task_status).toBe('blocked');
    expect(settle({ outcome: 'terminated', then: 'archive' }).task_status).toBe('archived');
    expect(settle({ outcome: 'terminated', then: 'done' }).task_status).toBe('done');
    expect(settle({ outcome: 'completed', then: 'archive' }).task_status).toBe('archived');
  });

  it('an ended run cannot be settled again', () => {
    expect(() => settleRun(running(), { ...run, ended_at: clock.now() }, { outcome: 'completed' }, clock.now())).toThrow(
      new ConflictError('run 5 already ended'),
    );
  });

  it('a run that is not its task current run leaves the task alone', () => {
    expect(settle({ outcome: 'completed' }, running({ current_run_id: 6 })).task_status).toBe('running');
    expect(settle({ outcome: 'completed' }, makeTask({ status: 'ready', current_run_id: 5 })).task_status).toBe('ready');
  });
});
