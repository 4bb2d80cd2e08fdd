import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isExited, parseBootTime, parseProcStat, parseStatusUid } from './proc-stat.js';
import type { ProcStat } from './proc-stat.js';
import type { SignallerSelf } from '../../core/signal-policy.js';

export { START_TIME_TOLERANCE_SECONDS, startTimesMatch } from '../../core/process-identity.js';

export const DEFAULT_CLOCK_TICKS_PER_SECOND = 100;
export const DEFAULT_PAGE_SIZE = 4096;

/** A stat line is under 1 KB even with a long command name. */
const statBuffer = Buffer.alloc(4096);

export interface ProcOptions {
  /** Where procfs is mounted. */
  procRoot?: string;
  /** USER_HZ; 100 on every mainstream Linux build. Reading it needs sysconf, which Node does not expose. */
  clockTicksPerSecond?: number;
  pageSize?: number;
}

export function isValidPid(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 0;
}

/** What a failed read of /proc/<pid>/... means: the process went away, or it is not ours to read. */
export type ProcReadFailure = 'gone' | 'denied';

export function classifyProcError(err: unknown): ProcReadFailure {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ESRCH') return 'gone';
  if (code === 'EACCES' || code === 'EPERM') return 'denied';
  throw err;
}

/** A live (not zombie) process as seen in /proc, with its start time in epoch seconds. */
export interface LiveProcess {
  stat: ProcStat;
  startTime: number;
}

export class ProcReader {
  readonly procRoot: string;
  readonly ticksPerSecond: number;
  readonly pageSize: number;

  constructor(opts: ProcOptions = {}) {
    this.procRoot = opts.procRoot ?? '/proc';
    this.ticksPerSecond = opts.clockTicksPerSecond ?? DEFAULT_CLOCK_TICKS_PER_SECOND;
    this.pageSize = opts.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  path(pid: number | 'self', file: string): string {
    return join(this.procRoot, String(pid), file);
  }

  /**
   * btime is read on every call rather than kept for the process's life: start times recorded by another
   * process (or before a restart) were computed from the btime of that moment, and comparing like with
   * like keeps them equal (ProcInspector reuses a reading for at most a second).
   */
  async bootTime(): Promise<number> {
    return parseBootTime(await readFile(join(this.procRoot, 'stat'), 'utf8'));
  }

  bootTimeSync(): number {
    return parseBootTime(readFileSync(join(this.procRoot, 'stat'), 'utf8'));
  }

  toEpochSeconds(startTicks: number, bootTime: number): number {
    return bootTime + startTicks / this.ticksPerSecond;
  }

  /** The stat of pid, or null when there is no such pid. stat is world-readable, so denial is not expected. */
  async readStat(pid: number): Promise<ProcStat | null> {
    if (!isValidPid(pid)) return null;
    try {
      return parseProcStat(await readFile(this.path(pid, 'stat'), 'utf8'));
    } catch (err) {
      if (classifyProcError(err) === 'gone') return null;
      throw err;
    }
  }

  /**
   * One open and one read into a buffer kept for it: procfs reports a size of 0, so readFileSync would
   * stat the file and grow buffers for what is a single line.
   */
  readStatSync(pid: number): ProcStat | null {
    if (!isValidPid(pid)) return null;
    try {
      const fd = openSync(this.path(pid, 'stat'), 'r');
      try {
        const length = readSync(fd, statBuffer, 0, statBuffer.length, 0);
        return parseProcStat(statBuffer.toString('latin1', 0, length));
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      if (classifyProcError(err) === 'gone') return null;
      throw err;
    }
  }

  async live(pid: number): Promise<LiveProcess | null> {
    const stat = await this.readStat(pid);
    if (!stat || isExited(stat)) return null;
    return { stat, startTime: this.toEpochSeconds(stat.startTicks, await this.bootTime()) };
  }

  liveSync(pid: number): LiveProcess | null {
    const stat = this.readStatSync(pid);
    if (!stat || isExited(stat)) return null;
    return { stat, startTime: this.toEpochSeconds(stat.startTicks, this.bootTimeSync()) };
  }

  /** Pids of the live (not zombie) processes whose process group is pgid. */
  async liveGroupMembers(pgid: number): Promise<number[]> {
    const entries = await readdir(this.procRoot);
    const members: number[] = [];
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await this.readStat(Number(entry));
      if (stat && stat.pgrp === pgid && !isExited(stat)) members.push(stat.pid);
    }
    return members;
  }

  /** Real uid of pid, or null when it is gone. status is world-readable. */
  async uidOf(pid: number): Promise<number | null> {
    if (!isValidPid(pid)) return null;
    try {
      return parseStatusUid(await readFile(this.path(pid, 'status'), 'utf8'));
    } catch (err) {
      if (classifyProcError(err) === 'gone') return null;
      throw err;
    }
  }

  /**
   * This process as the signal policy sees it, read fresh: its pid and group, and the ppid chain up to
   * the namespace's root with each ancestor's group (a parent that dies reparents us, so nothing is cached).
   */
  async signallerSelf(uid: number): Promise<SignallerSelf> {
    const own = await this.readStat(process.pid);
    if (!own) throw new Error('cannot read our own /proc entry');
    const ancestors: number[] = [];
    const groups = new Set<number>([own.pgrp]);
    let next = own.ppid;
    // The chain ends at pid 0 (above init); the bound only guards against a malformed /proc.
    while (next > 0 && ancestors.length < 4096 && !ancestors.includes(next)) {
      ancestors.push(next);
      const stat = await this.readStat(next);
      if (!stat) break;
      groups.add(stat.pgrp);
      next = stat.ppid;
    }
    return { pid: process.pid, pgid: own.pgrp, ancestors, protectedGroups: [...groups], uid };
  }
}
