import { describe, expect, it } from 'vitest';
import { decideSignal, stopRefusal } from '../../src/core/signal-policy.js';
import type { SignalCandidate, SignalDecision, SignallerSelf } from '../../src/core/signal-policy.js';

/** The server: pid 500 in group 400 (its shell's), under the shell 400, under sshd 300, under init. */
const SELF: SignallerSelf = { pid: 500, pgid: 400, ancestors: [400, 300, 1], protectedGroups: [400, 300, 1], uid: 1000 };

const cases: [string, SignalCandidate, SignalDecision][] = [
  ['pid 1 (init, a container)', { pid: 1, pgid: 1, uid: 1000 }, { allowed: false, reason: 'refused: pid 1 or lower' }],
  ['pid 0 (own group)', { pid: 0, pgid: 0, uid: 1000 }, { allowed: false, reason: 'refused: pid 1 or lower' }],
  ['pid -1 (every process)', { pid: -1, pgid: 0, uid: 1000 }, { allowed: false, reason: 'refused: pid 1 or lower' }],
  ['a negative pid (a group)', { pid: -700, pgid: 700, uid: 1000 }, { allowed: false, reason: 'refused: pid 1 or lower' }],
  ['a fraction', { pid: 700.5, pgid: 700, uid: 1000 }, { allowed: false, reason: 'refused: pid 1 or lower' }],
  ['the server itself', { pid: 500, pgid: 400, uid: 1000 }, { allowed: false, reason: 'refused: own process' }],
  ['its parent', { pid: 400, pgid: 400, uid: 1000 }, { allowed: false, reason: 'refused: ancestor of the server' }],
  ['its grandparent', { pid: 300, pgid: 300, uid: 0 }, { allowed: false, reason: 'refused: ancestor of the server' }],
  ['another user', { pid: 700, pgid: 700, uid: 0 }, { allowed: false, reason: 'refused: another user' }],
  ['a group leader of ours', { pid: 700, pgid: 700, uid: 1000 }, { allowed: true, target: 'group' }],
  ['a member of another group', { pid: 701, pgid: 700, uid: 1000 }, { allowed: true, target: 'process' }],
  ['a member of the server group', { pid: 702, pgid: 400, uid: 1000 }, { allowed: true, target: 'process' }],
  ['in a group numbered 1', { pid: 703, pgid: 1, uid: 1000 }, { allowed: true, target: 'process' }],
];

describe('decideSignal', () => {
  it.each(cases)('%s', (_name, candidate, decision) => {
    expect(decideSignal(candidate, SELF)).toEqual(decision);
  });

  it('the leader of the server group is refused even when it is no ancestor (the server was reparented)', () => {
    const orphan: SignallerSelf = { pid: 500, pgid: 400, ancestors: [1], protectedGroups: [400, 1], uid: 1000 };
    expect(decideSignal({ pid: 400, pgid: 400, uid: 1000 }, orphan)).toEqual({
      allowed: false,
      reason: 'refused: leads the server process group',
    });
  });

  it("a leader of a parent's group is signalled alone, never as a group", () => {
    const self: SignallerSelf = { pid: 500, pgid: 500, ancestors: [450, 1], protectedGroups: [500, 800, 1], uid: 1000 };
    expect(decideSignal({ pid: 800, pgid: 800, uid: 1000 }, self)).toEqual({ allowed: true, target: 'process' });
  });

  it('as root, a process of root is ours and pid 1 still is not', () => {
    const root: SignallerSelf = { pid: 1, pgid: 1, ancestors: [], protectedGroups: [1], uid: 0 };
    expect(decideSignal({ pid: 1, pgid: 1, uid: 0 }, root)).toEqual({ allowed: false, reason: 'refused: pid 1 or lower' });
    expect(decideSignal({ pid: 40, pgid: 40, uid: 0 }, root)).toEqual({ allowed: true, target: 'group' });
    expect(decideSignal({ pid: 41, pgid: 1, uid: 0 }, root)).toEqual({ allowed: true, target: 'process' });
  });
});

describe('stopRefusal', () => {
  const run = { worker_pid: 700, worker_started_at: 1_700_000_000, worker_origin: 'spawned' as const };
  it.each([
    ['a spawned process with its start time', run, null],
    ['no pid', { ...run, worker_pid: null, worker_origin: null }, 'no worker_pid recorded'],
    ['a declared pid', { ...run, worker_origin: 'declared' as const }, 'declared pid: not started by this server'],
    ['a pid without origin (never written so)', { ...run, worker_origin: null }, 'declared pid: not started by this server'],
    ['a spawned process without start time', { ...run, worker_started_at: null }, 'no start time recorded'],
  ])('%s', (_name, input, expected) => {
    expect(stopRefusal(input)).toBe(expected);
  });
});
