import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ProcessSignaller,
  SignalRefusal,
  SignalResult,
  TerminateResult,
} from '../../ports/process-inspector.js';
import { isValidPid, ProcReader, startTimesMatch } from './proc-reader.js';
import type { ProcOptions } from './proc-reader.js';

export interface SignallerOptions extends ProcOptions {
  /** How often terminate looks whether the process has exited. */
  pollMs?: number;
  /** How long terminate waits after SIGKILL before it gives up (a process in uninterruptible sleep ignores it). */
  killWaitSeconds?: number;
}

type Refused = { sent: false; reason: SignalRefusal };

/**
 * Signals processes through process.kill after confirming, right before each signal, that the pid
 * still belongs to the process that started at the expected time. A small window between that check
 * and kill(2) remains; Node exposes no pidfd to close it.
 */
export class ProcSignaller implements ProcessSignaller {
  private readonly reader: ProcReader;
  private readonly pollMs: number;
  private readonly killWaitMs: number;

  constructor(opts: SignallerOptions = {}) {
    this.reader = new ProcReader(opts);
    this.pollMs = opts.pollMs ?? 50;
    this.killWaitMs = (opts.killWaitSeconds ?? 10) * 1000;
  }

  async signal(pid: number, expectedStartTime: number | null, signal: NodeJS.Signals): Promise<SignalResult> {
    if (!isValidPid(pid)) return refused('process not found');
    if (this.isOwn(pid)) return refused('refused: own process');
    const live = await this.reader.live(pid);
    if (!live) return refused('process not found');
    if (expectedStartTime === null) return refused('no start time recorded');
    if (!startTimesMatch(live.startTime, expectedStartTime)) return refused('pid reused by another process');
    const leadsGroup = live.stat.pgrp === pid;
    return this.send(pid, leadsGroup, signal);
  }

  async terminate(pid: number, expectedStartTime: number | null, graceSeconds: number): Promise<TerminateResult> {
    const term = await this.signal(pid, expectedStartTime, 'SIGTERM');
    if (!term.sent) return { terminated: false, signal: null, reason: term.reason };
    // signal() refuses a null start time, so from here on it is known.
    const startTime = expectedStartTime as number;
    const group = term.target === 'group';
    const gone = () => this.isGone(pid, startTime, group);

    const graceMs = Number.isFinite(graceSeconds) ? Math.max(0, graceSeconds) * 1000 : 0;
    if (await this.waitUntil(gone, graceMs)) return { terminated: true, signal: 'SIGTERM' };

    const kill = await this.forceKill(pid, startTime, group);
    if (kill === 'gone') return { terminated: true, signal: 'SIGTERM' };
    if (kill !== 'sent') return { terminated: false, signal: 'SIGTERM', reason: kill };
    if (await this.waitUntil(gone, this.killWaitMs)) return { terminated: true, signal: 'SIGKILL' };
    return { terminated: false, signal: 'SIGKILL', reason: 'process still alive after SIGKILL' };
  }

  private isOwn(pid: number): boolean {
    return pid === process.pid || pid === this.reader.ownProcessGroup();
  }

  private send(pid: number, group: boolean, signal: NodeJS.Signals): SignalResult {
    try {
      process.kill(group ? -pid : pid, signal);
      return { sent: true, target: group ? 'group' : 'process' };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') return refused('process not found');
      if (code === 'EPERM') return refused('permission denied');
      throw err;
    }
  }

  /**
   * A group is done when its leader and every member have exited. While any member lives, the kernel
   * will not hand the leader's pid to a new process, so the group id still names this job's group.
   */
  private async isGone(pid: number, startTime: number, group: boolean): Promise<boolean> {
    const live = await this.reader.live(pid);
    if (live) {
      if (startTimesMatch(live.startTime, startTime)) return false;
      // The pid was handed out again, which the kernel does only once no group uses it.
      return true;
    }
    if (!group) return true;
    return (await this.reader.liveGroupMembers(pid)).length === 0;
  }

  private async forceKill(pid: number, startTime: number, group: boolean): Promise<'sent' | 'gone' | SignalRefusal> {
    const live = await this.reader.live(pid);
    if (live) {
      const result = await this.signal(pid, startTime, 'SIGKILL');
      if (result.sent) return 'sent';
      return result.reason === 'process not found' || result.reason === 'pid reused by another process'
        ? 'gone'
        : result.reason;
    }
    if (!group || this.isOwn(pid)) return 'gone';
    // The leader has exited but members that ignored SIGTERM remain.
    if ((await this.reader.liveGroupMembers(pid)).length === 0) return 'gone';
    const result = this.send(pid, true, 'SIGKILL');
    if (result.sent) return 'sent';
    return result.reason === 'process not found' ? 'gone' : result.reason;
  }

  private async waitUntil(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (await done()) return true;
      if (performance.now() >= deadline) return false;
      await sleep(Math.min(this.pollMs, Math.max(1, deadline - performance.now())));
    }
  }
}

function refused(reason: SignalRefusal): Refused {
  return { sent: false, reason };
}
