import { readdirSync, readFileSync } from 'node:fs';
import { readFile, readdir, stat as statPath } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessCheck, ProcessInspector, ProcessReading, ProcessSnapshot } from '../../ports/process-inspector.js';
import { classifyProcError, ProcReader, startTimesMatch } from './proc-reader.js';
import type { ProcOptions, ProcReadFailure } from './proc-reader.js';
import { isExited, parseCmdline, parseStatusUid, statusWord } from './proc-stat.js';
import type { ProcStat } from './proc-stat.js';
import { StatHandles } from './stat-handles.js';

export const DEFAULT_CPU_SAMPLE_MS = 100;
const BOOT_TIME_REREAD_MS = 1000;

const defaultReader = new ProcReader();

/** Start time (epoch seconds) of pid, or null when it is gone or a zombie. Synchronous for hot paths like claim. */
export function readProcessStartTime(pid: number, opts?: ProcOptions): number | null {
  const reader = opts ? new ProcReader(opts) : defaultReader;
  return reader.liveSync(pid)?.startTime ?? null;
}

export function localHostName(): string {
  return hostname();
}

type Read<T> = { ok: true; value: T } | { ok: false; failure: ProcReadFailure };

async function attempt<T>(read: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, failure: classifyProcError(err) };
  }
}

function attemptSync<T>(read: () => T): T | ProcReadFailure {
  try {
    return read();
  } catch (err) {
    return classifyProcError(err);
  }
}

/** Reads a process's state from Linux procfs. */
export class ProcInspector implements ProcessInspector {
  private readonly reader: ProcReader;
  /** The same processes are read again and again: live runs every few seconds, a worker at each claim. */
  private readonly statHandles: StatHandles;
  private bootTime: { value: number; readAt: number } | null = null;

  constructor(opts: ProcOptions = {}) {
    this.reader = new ProcReader(opts);
    this.statHandles = new StatHandles((pid) => this.reader.path(pid, 'stat'));
  }

  /** The boot time moves only when the wall clock is stepped: a reading at most a second old serves. */
  private recentBootTime(): number {
    const now = performance.now();
    if (this.bootTime === null || now - this.bootTime.readAt > BOOT_TIME_REREAD_MS) this.bootTime = { value: this.reader.bootTimeSync(), readAt: now };
    return this.bootTime.value;
  }

  /** Closes the descriptors readMany and startTime keep; a later reading opens them again. */
  close(): void {
    this.statHandles.close();
  }

  /**
   * Read synchronously: it is on the claim path of every HTTP worker, procfs answers from memory, and
   * two reads through the thread pool cost more than the reads themselves. The same worker claims
   * task after task, so its stat is read through a kept descriptor (one pread), and the boot time is
   * the one read within the last second: a claim read /proc/stat and opened /proc/<pid>/stat anew
   * each time, 40-60 µs of the server's half millisecond per task (npm run bench, pulseboard-http).
   */
  async startTime(pid: number): Promise<number | null> {
    const stat = this.statHandles.read(pid);
    return stat ? this.reader.toEpochSeconds(stat.startTicks, this.recentBootTime()) : null;
  }

  async check(pid: number, expectedStartTime: number | null): Promise<ProcessCheck> {
    const actual = await this.startTime(pid);
    if (actual === null) return { alive: false, reason: 'process not found' };
    if (expectedStartTime !== null && !startTimesMatch(actual, expectedStartTime)) {
      return { alive: false, reason: 'pid reused by another process' };
    }
    return { alive: true, create_time: actual };
  }

  async inspect(pid: number, opts: { sampleMs?: number } = {}): Promise<ProcessSnapshot | null> {
    const sampleMs = Math.max(0, opts.sampleMs ?? DEFAULT_CPU_SAMPLE_MS);
    const first = await this.reader.readStat(pid);
    if (!first || isExited(first)) return null;
    const startedSampling = performance.now();
    if (sampleMs > 0) await sleep(sampleMs);
    const second = await this.reader.readStat(pid);
    const sampledMs = performance.now() - startedSampling;
    // A different start time means the pid was recycled during the sample: the process we began with is gone.
    if (!second || isExited(second) || second.startTicks !== first.startTicks) return null;

    const [status, cmdline, fds, bootTime] = await Promise.all([
      attempt(() => readFile(this.reader.path(pid, 'status'), 'utf8')),
      attempt(() => readFile(this.reader.path(pid, 'cmdline'), 'utf8')),
      attempt(() => readdir(this.reader.path(pid, 'fd'))),
      this.reader.bootTime(),
    ]);
    if ([status, cmdline, fds].some((read) => !read.ok && read.failure === 'gone')) return null;

    const uid = status.ok ? parseStatusUid(status.value) : await this.ownerUid(pid);
    if (uid === null) return null;
    const denied = !status.ok || !cmdline.ok || !fds.ok;
    const snapshot: ProcessSnapshot = {
      pid,
      create_time: this.reader.toEpochSeconds(second.startTicks, bootTime),
      cpu_percent: this.cpuPercent(first, second, sampledMs),
      memory_rss_bytes: second.rssPages * this.reader.pageSize,
      memory_vms_bytes: second.vsizeBytes,
      num_threads: second.numThreads,
      num_fds: fds.ok ? fds.value.length : null,
      status: statusWord(second.state),
      cmdline: cmdline.ok ? parseCmdline(cmdline.value) : [],
      uid,
    };
    if (denied) snapshot.error = 'access denied';
    return snapshot;
  }

  /**
   * Read synchronously: procfs answers from kernel memory in microseconds, and a thousand readings
   * through the thread pool (three files each) cost several times the reads themselves. Each stat is
   * read through a descriptor kept from the previous batch (StatHandles).
   */
  async readMany(requests: readonly { pid: number; cmdline: boolean; fds: boolean }[]): Promise<(ProcessReading | null)[]> {
    // One boot time for the batch: every start time in it is then computed alike.
    const bootTime = this.recentBootTime();
    return requests.map((request) => this.readOne(request, bootTime));
  }

  private readOne(request: { pid: number; cmdline: boolean; fds: boolean }, bootTime: number): ProcessReading | null {
    const { pid } = request;
    const stat = this.statHandles.read(pid);
    if (!stat) return null;
    const fds = request.fds ? attemptSync(() => readdirSync(this.reader.path(pid, 'fd')).length) : null;
    const cmdline = request.cmdline ? attemptSync(() => parseCmdline(readFileSync(this.reader.path(pid, 'cmdline'), 'utf8'))) : null;
    if (fds === 'gone' || cmdline === 'gone') return null;
    return {
      pid,
      create_time: this.reader.toEpochSeconds(stat.startTicks, bootTime),
      cpu_seconds: (stat.utimeTicks + stat.stimeTicks) / this.reader.ticksPerSecond,
      memory_rss_bytes: stat.rssPages * this.reader.pageSize,
      memory_vms_bytes: stat.vsizeBytes,
      num_threads: stat.numThreads,
      num_fds: fds === 'denied' ? null : fds,
      status: statusWord(stat.state),
      cmdline: cmdline === 'denied' ? [] : cmdline,
    };
  }

  private cpuPercent(first: ProcStat, second: ProcStat, sampledMs: number): number {
    if (sampledMs <= 0) return 0;
    const ticks = second.utimeTicks + second.stimeTicks - (first.utimeTicks + first.stimeTicks);
    const percent = (ticks / this.reader.ticksPerSecond / (sampledMs / 1000)) * 100;
    return Math.round(percent * 10) / 10;
  }

  /** Fallback when status is unreadable: the /proc/<pid> directory is owned by the process's user. */
  private async ownerUid(pid: number): Promise<number | null> {
    try {
      return (await statPath(this.reader.path(pid, ''))).uid;
    } catch (err) {
      if (classifyProcError(err) === 'gone') return null;
      throw err;
    }
  }
}
