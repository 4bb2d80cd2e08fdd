import { closeSync, openSync, readSync } from 'node:fs';
import { classifyProcError, isValidPid } from './proc-reader.js';
import { isExited, parseProcStat } from './proc-stat.js';
import type { ProcStat } from './proc-stat.js';

/** Handles this many at most; past it a pid is read with its own open and close, as without the cache. */
const MAX_HANDLES = 4096;
/** A handle not read for this long is closed: a pid nobody looks at any more holds no descriptor. */
const IDLE_CLOSE_MS = 60_000;
const SWEEP_EVERY_MS = 10_000;

interface Handle {
  fd: number;
  startTicks: number;
  usedAt: number;
}

/**
 * Open /proc/<pid>/stat descriptors kept between readings of the same processes: a reading is then
 * one pread, where an open and a close cost twice the read itself (a thousand live runs read every
 * few seconds). A descriptor of /proc/<pid> belongs to that process, not to the number: once it has
 * exited, a read answers ESRCH even after the pid is reused, and the handle is dropped. The start time
 * in each reading is still what callers compare with the run's record; a handle whose start time
 * changes is dropped all the same.
 */
export class StatHandles {
  private readonly handles = new Map<number, Handle>();
  private readonly buffer = Buffer.alloc(4096);
  private lastSweep: number;

  constructor(
    private readonly pathOf: (pid: number) => string,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.lastSweep = this.nowMs();
  }

  /** The stat of a live pid, or null when it is gone or a zombie. */
  read(pid: number): ProcStat | null {
    if (!isValidPid(pid)) return null;
    const now = this.nowMs();
    if (now - this.lastSweep > SWEEP_EVERY_MS) this.sweep(now);
    const held = this.handles.get(pid);
    if (held) {
      const stat = this.readFd(held.fd);
      if (stat && !isExited(stat) && stat.startTicks === held.startTicks) {
        held.usedAt = now;
        return stat;
      }
      this.drop(pid, held);
      if (stat && !isExited(stat)) return this.open(pid, now);
      return null;
    }
    return this.open(pid, now);
  }

  /** How many descriptors are held (for tests and diagnostics). */
  get size(): number {
    return this.handles.size;
  }

  close(): void {
    for (const [pid, handle] of this.handles) this.drop(pid, handle);
  }

  private open(pid: number, now: number): ProcStat | null {
    let fd: number;
    try {
      fd = openSync(this.pathOf(pid), 'r');
    } catch (err) {
      if (classifyProcError(err) === 'gone') return null;
      throw err;
    }
    let stat: ProcStat | null;
    try {
      stat = this.readFd(fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    if (!stat || isExited(stat) || this.handles.size >= MAX_HANDLES) {
      closeSync(fd);
      return stat && !isExited(stat) ? stat : null;
    }
    this.handles.set(pid, { fd, startTicks: stat.startTicks, usedAt: now });
    return stat;
  }

  /** null when the process behind fd has exited (ESRCH), whatever has the pid now. */
  private readFd(fd: number): ProcStat | null {
    try {
      const length = readSync(fd, this.buffer, 0, this.buffer.length, 0);
      return parseProcStat(this.buffer.toString('latin1', 0, length));
    } catch (err) {
      if (classifyProcError(err) === 'gone') return null;
      throw err;
    }
  }

  private drop(pid: number, handle: Handle): void {
    this.handles.delete(pid);
    closeSync(handle.fd);
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [pid, handle] of this.handles) if (now - handle.usedAt > IDLE_CLOSE_MS) this.drop(pid, handle);
  }
}
