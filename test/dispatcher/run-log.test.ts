import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rotatedLogPath, rotateRunLogIfOver, runLogPath, tailRunLog } from '../../src/services/dispatcher/run-log.js';
import { fixtureCommand, Harness, waitFor } from './harness.js';

describe('run log files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pb-runlog-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('tails the last lines, keeping a last line without newline, and says when earlier lines were left out', async () => {
    writeFileSync(runLogPath(dir, 1), 'a\nb\nc\npartial');
    expect(await tailRunLog(dir, 1, 2)).toEqual({ lines: ['c', 'partial'], truncated: true });
    expect(await tailRunLog(dir, 1, 10)).toEqual({ lines: ['a', 'b', 'c', 'partial'], truncated: false });
    expect(await tailRunLog(dir, 1, 0)).toEqual({ lines: [], truncated: true });
  });

  it('has no tail for a run without a log, and an empty one for an empty log', async () => {
    expect(await tailRunLog(dir, 2, 10)).toBeNull();
    writeFileSync(runLogPath(dir, 3), '');
    expect(await tailRunLog(dir, 3, 10)).toEqual({ lines: [], truncated: false });
  });

  it('rotates by copy-truncate over the cap, keeps one old file, and tails across it', async () => {
    writeFileSync(runLogPath(dir, 4), 'one\ntwo\n');
    expect(rotateRunLogIfOver(dir, 4, 100)).toBe(false);
    expect(rotateRunLogIfOver(dir, 4, 5)).toBe(true);
    expect(statSync(runLogPath(dir, 4)).size).toBe(0);
    writeFileSync(runLogPath(dir, 4), 'three\n', { flag: 'a' });
    expect(await tailRunLog(dir, 4, 2)).toEqual({ lines: ['two', 'three'], truncated: true });
    // The old file is there, so earlier output may have been dropped: the tail says so even when whole.
    expect(await tailRunLog(dir, 4, 10)).toEqual({ lines: ['one', 'two', 'three'], truncated: true });
    expect(rotateRunLogIfOver(dir, 99, 1)).toBe(false);
  });
});

describe('dispatcher: run logs of a chatty worker', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await new Harness().open();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  it('sends stdout and stderr to the run log and keeps it under the cap by rotation', async () => {
    const cap = 4096;
    const dispatcher = h.dispatcher({ chatty: { command: fixtureCommand('chatty.mjs') } }, { logMaxBytes: cap });
    const task = await h.store.createTask({ title: 'talk a lot', assignee: 'chatty' });
    await dispatcher.start();
    const run = await h.waitForRun(task.id, (r) => r.worker_pid !== null, 'worker');
    await waitFor(() => existsSync(rotatedLogPath(h.logDir, run.id)), 'a rotation', 10_000);
    // Each line is 48 bytes; wait until the worker has written far more than the cap.
    const written = async () => 48 * Number(/line (\d+)/.exec((await tailRunLog(h.logDir, run.id, 1))?.lines[0] ?? '')?.[1] ?? 0);
    await waitFor(async () => (await written()) > 50 * cap, 'the worker to write 50 times the cap', 20_000);

    // The writer keeps going between checks, so the file runs past the cap by what it writes in a tick,
    // but nowhere near what it wrote in all.
    const kept = statSync(runLogPath(h.logDir, run.id)).size + statSync(rotatedLogPath(h.logDir, run.id)).size;
    expect(kept).toBeLessThan((await written()) / 3);
    const tail = await tailRunLog(h.logDir, run.id, 50);
    expect(tail?.lines).toHaveLength(50);
    expect(tail?.truncated).toBe(true);
    const numbers = (tail?.lines ?? []).filter((line) => /^line \d+ x+$/.test(line));
    expect(numbers.length).toBeGreaterThan(40);
    // Both streams land in the file: odd lines come from stderr, even from stdout.
    const parities = new Set(numbers.map((line) => Number(line.split(' ')[1]) % 2));
    expect(parities).toEqual(new Set([0, 1]));
  });
});
