import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StatHandles } from '../../src/adapters/process/stat-handles.js';
import { Children, exited } from './children.js';

const children = new Children();
afterEach(() => children.killAll());

/** A stat line as the kernel writes it, with the fields StatHandles parses (start ticks = field 22). */
function statLine(pid: number, startTicks: number, utimeTicks: number): string {
  const fields = ['S', 1, pid, pid, 0, -1, 0, 0, 0, 0, 0, utimeTicks, 0, 0, 0, 20, 0, 1, 0, startTicks, 1000, 10];
  return `${pid} (fake) ${fields.join(' ')}\n`;
}

describe('StatHandles: /proc/<pid>/stat read through a kept descriptor', () => {
  it('keeps one descriptor per live process and drops it once the process is gone', async () => {
    const child = children.spawn('sleep', ['30']);
    const handles = new StatHandles((pid) => `/proc/${pid}/stat`);
    try {
      const first = handles.read(child.pid);
      const second = handles.read(child.pid);
      expect(first?.pid).toBe(child.pid);
      expect(second?.startTicks).toBe(first?.startTicks);
      expect(handles.size).toBe(1);
      child.kill('SIGKILL');
      await exited(child);
      // The kept descriptor answers ESRCH for the exited process, whatever holds its number now.
      expect(handles.read(child.pid)).toBeNull();
      expect(handles.size).toBe(0);
    } finally {
      handles.close();
    }
  });

  it('a reading with another start time drops the descriptor and opens the path again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulseboard-stat-handles-'));
    const handles = new StatHandles((pid) => join(dir, `${pid}.stat`));
    try {
      const path = join(dir, '4242.stat');
      writeFileSync(path, statLine(4242, 500, 7));
      expect(handles.read(4242)).toMatchObject({ pid: 4242, startTicks: 500, utimeTicks: 7 });
      // The kept file now shows another start time, and the path names another file: the reading
      // comes from the path opened again, not from the descriptor kept for start time 500.
      writeFileSync(path, statLine(4242, 900, 99));
      writeFileSync(`${path}.next`, statLine(4242, 900, 1));
      renameSync(`${path}.next`, path);
      expect(handles.read(4242)).toMatchObject({ startTicks: 900, utimeTicks: 1 });
      expect(handles.size).toBe(1);
      expect(handles.read(4243)).toBeNull();
      expect(handles.read(-1)).toBeNull();
    } finally {
      handles.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('closes descriptors not read for a minute', () => {
    let now = 0;
    const dir = mkdtempSync(join(tmpdir(), 'pulseboard-stat-handles-'));
    const handles = new StatHandles((pid) => join(dir, `${pid}.stat`), () => now);
    try {
      writeFileSync(join(dir, '11.stat'), statLine(11, 5, 0));
      writeFileSync(join(dir, '12.stat'), statLine(12, 5, 0));
      handles.read(11);
      handles.read(12);
      now = 50_000;
      handles.read(12);
      now = 70_000;
      handles.read(12);
      expect(handles.size).toBe(1);
    } finally {
      handles.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
