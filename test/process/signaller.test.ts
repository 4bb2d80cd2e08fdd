import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import { parseProcStat } from '../../src/adapters/process/proc-stat.js';
import { ProcInspector } from '../../src/adapters/process/proc-inspector.js';
import { ProcSignaller } from '../../src/adapters/process/signaller.js';
import type { SignalRecord } from '../../src/ports/process-inspector.js';
import {
  Children,
  exited,
  IGNORES_SIGTERM,
  liveMembersOfGroup,
  SIGNAL_RECORDER,
  stdoutOf,
  waitFor,
} from './children.js';

const signaller = new ProcSignaller();
const ASK = { run_id: 1, actor: 'test', reason: 'testing' };
const children = new Children();

afterEach(() => children.killAll());

function startOf(pid: number): number {
  const start = readProcessStartTime(pid);
  if (start === null) throw new Error(`pid ${pid} is not running`);
  return start;
}

function ownProcessGroup(): number {
  return parseProcStat(readFileSync('/proc/self/stat', 'utf8')).pgrp;
}

/** A detached node child that prints each SIGTERM / SIGWINCH it receives, once its handlers are in place. */
async function signalRecorder() {
  const child = children.spawn(process.execPath, ['-e', SIGNAL_RECORDER], { detached: true });
  const out = stdoutOf(child);
  await out.waitFor('ready\n');
  return { child, out };
}

describe('ProcSignaller.signal', () => {
  it('sends nothing when the start time does not match', async () => {
    const { child, out } = await signalRecorder();
    const start = startOf(child.pid);

    expect(await signaller.signal(child.pid, start - 3, 'SIGTERM', ASK)).toEqual({
      sent: false,
      reason: 'pid reused by another process',
    });
    // A signal with a higher number sent afterwards is delivered after any pending SIGTERM, so seeing
    // it alone proves the SIGTERM was never sent.
    expect(await signaller.signal(child.pid, start, 'SIGWINCH', ASK)).toEqual({ sent: true, target: 'group' });
    await out.waitFor('SIGWINCH\n');
    expect(out.text()).toBe('ready\nSIGWINCH\n');
  });

  it('refuses when no start time was recorded', async () => {
    const { child, out } = await signalRecorder();
    expect(await signaller.signal(child.pid, null, 'SIGTERM', ASK)).toEqual({ sent: false, reason: 'no start time recorded' });
    expect(await signaller.signal(child.pid, startOf(child.pid), 'SIGWINCH', ASK)).toMatchObject({ sent: true });
    await out.waitFor('SIGWINCH\n');
    expect(out.text()).toBe('ready\nSIGWINCH\n');
  });

  it('refuses our own pid, our ancestors and the leader of our own process group', async () => {
    // SIGCONT is harmless to a running process, should the refusal ever break.
    expect(await signaller.signal(process.pid, startOf(process.pid), 'SIGCONT', ASK)).toEqual({
      sent: false,
      reason: 'refused: own process',
    });
    const parent = parseProcStat(readFileSync('/proc/self/stat', 'utf8')).ppid;
    expect(await signaller.signal(parent, readProcessStartTime(parent), 'SIGCONT', ASK)).toEqual({
      sent: false,
      reason: 'refused: ancestor of the server',
    });
    const pgid = ownProcessGroup();
    if (pgid !== process.pid) {
      expect(await signaller.signal(pgid, readProcessStartTime(pgid), 'SIGCONT', ASK)).toMatchObject({ sent: false });
    }
  });

  it('refuses a process of another user', async () => {
    // Runs as root here: setpriv gives the child another real uid.
    const child = children.spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sleep', '30'], { detached: true });
    await waitFor(async () => (await new ProcInspector().inspect(child.pid, { sampleMs: 0 }))?.uid === 65534, 'the child to drop to uid 65534');
    expect(await signaller.signal(child.pid, startOf(child.pid), 'SIGTERM', ASK)).toEqual({ sent: false, reason: 'refused: another user' });
    expect(child.exitCode).toBeNull();
  });

  it('writes every signal sent and every refusal to its audit', async () => {
    const records: SignalRecord[] = [];
    const audited = new ProcSignaller({ audit: { record: async (entry) => void records.push(entry) } });
    const { child, out } = await signalRecorder();
    await audited.signal(child.pid, startOf(child.pid), 'SIGWINCH', ASK);
    await out.waitFor('SIGWINCH\n');
    await audited.signal(process.pid, startOf(process.pid), 'SIGCONT', ASK);
    expect(records).toEqual([
      { ...ASK, pid: child.pid, signal: 'SIGWINCH', group: true, sent: true, refusal: null },
      { ...ASK, pid: process.pid, signal: 'SIGCONT', group: false, sent: false, refusal: 'refused: own process' },
    ]);
  });

  it('reports a missing pid and never signals pid 0 or negative pids', async () => {
    const child = children.spawn('true', []);
    await exited(child);
    expect(await signaller.signal(child.pid, 1, 'SIGTERM', ASK)).toEqual({ sent: false, reason: 'process not found' });
    for (const pid of [1, 0, -1, -process.pid]) {
      expect(await signaller.signal(pid, 1, 'SIGCONT', ASK)).toEqual({ sent: false, reason: 'refused: pid 1 or lower' });
    }
  });

  it('signals a process that shares our group alone, not the group', async () => {
    const child = children.spawn('sleep', ['30']);
    expect(await signaller.signal(child.pid, startOf(child.pid), 'SIGTERM', ASK)).toEqual({ sent: true, target: 'process' });
    await exited(child);
    expect(child.signalCode).toBe('SIGTERM');
  });
});

describe('ProcSignaller.terminate', () => {
  it('ends a whole process group with SIGTERM', async () => {
    const leader = children.spawn('sh', ['-c', 'sleep 30 & sleep 30'], { detached: true });
    await waitFor(
      () => liveMembersOfGroup(leader.pid).filter((p) => p.comm === 'sleep').length === 2,
      'both sleeps to start',
    );
    const members = liveMembersOfGroup(leader.pid).map((p) => p.pid);

    const result = await signaller.terminate(leader.pid, startOf(leader.pid), 5, ASK);

    expect(result).toEqual({ terminated: true, signal: 'SIGTERM' });
    expect(liveMembersOfGroup(leader.pid)).toEqual([]);
    for (const pid of members) expect(readProcessStartTime(pid)).toBeNull();
  });

  it('sends SIGKILL after the grace to a process that ignores SIGTERM', async () => {
    const child = children.spawn(process.execPath, ['-e', IGNORES_SIGTERM], { detached: true });
    await stdoutOf(child).waitFor('ready\n');

    const result = await signaller.terminate(child.pid, startOf(child.pid), 0.5, ASK);

    expect(result).toEqual({ terminated: true, signal: 'SIGKILL' });
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('kills group members that outlive their leader', async () => {
    // The shell dies on SIGTERM; its node child ignores it and must be killed through the group.
    const script = `"${process.execPath}" -e "${IGNORES_SIGTERM}" & exec sleep 30`;
    const leader = children.spawn('sh', ['-c', script], { detached: true });
    // node writes to the shell's stdout once its handler is in place.
    await stdoutOf(leader).waitFor('ready\n');
    await waitFor(() => liveMembersOfGroup(leader.pid).length === 2, 'node and sleep in the group');
    const member = liveMembersOfGroup(leader.pid).find((p) => p.pid !== leader.pid);

    const result = await signaller.terminate(leader.pid, startOf(leader.pid), 0.5, ASK);

    expect(result).toEqual({ terminated: true, signal: 'SIGKILL' });
    expect(liveMembersOfGroup(leader.pid)).toEqual([]);
    expect(readProcessStartTime(member?.pid as number)).toBeNull();
  });

  it('leaves alone a pid whose start time does not match', async () => {
    const { child, out } = await signalRecorder();
    const result = await signaller.terminate(child.pid, startOf(child.pid) + 1, 0.2, ASK);
    expect(result).toEqual({ terminated: false, signal: null, reason: 'pid reused by another process' });
    expect(await signaller.signal(child.pid, startOf(child.pid), 'SIGWINCH', ASK)).toMatchObject({ sent: true });
    await out.waitFor('SIGWINCH\n');
    expect(out.text()).toBe('ready\nSIGWINCH\n');
  });

  it('refuses without a recorded start time and reports a process already gone', async () => {
    const { child } = await signalRecorder();
    expect(await signaller.terminate(child.pid, null, 0.2, ASK)).toEqual({
      terminated: false,
      signal: null,
      reason: 'no start time recorded',
    });
    expect(readProcessStartTime(child.pid)).not.toBeNull();

    const gone = children.spawn('true', []);
    await exited(gone);
    expect(await signaller.terminate(gone.pid, 1, 0.2, ASK)).toEqual({
      terminated: false,
      signal: null,
      reason: 'process not found',
    });
  });
});
