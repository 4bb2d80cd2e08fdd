import { setTimeout as sleep } from 'node:timers/promises';
import { decideSignal } from '../../core/signal-policy.js';
import type {
  ProcessSignaller,
  SignalAsk,
  SignalAudit,
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
  /** Where every signal sent or refused is written (the store's signal events); nowhere without one. */
  audit?: SignalAudit;
  /** The uid the server spawns its workers as; by default its own, since it never switches users. */
  uid?: number;
}

type Refused = { sent: false; reason: SignalRefusal };
type Checked = { ok: true; group: boolean } | { ok: false; reason: SignalRefusal };

/**
 * Signals processes through process.kill after confirming, right before each signal, that the pid
 * still belongs to the process that started at the expected time and that the signal policy allows
 * it. A small window between that check and kill(2) remains; Node exposes no pidfd to close it.
 */
export class ProcSignaller implements ProcessSignaller {
  private readonly reader: ProcReader;
  private readonly pollMs: number;
  private readonly killWaitMs: number;
  private readonly audit: SignalAudit | undefined;
  private readonly uid: number;

  constructor(opts: SignallerOptions = {}) {
    this.reader = new ProcReader(opts);
    this.pollMs = opts.pollMs ?? 50;
    this.killWaitMs = (opts.killWaitSeconds ?? 10) * 1000;
    this.audit = opts.audit;
    this.uid = opts.uid ?? process.getuid?.() ?? -1;
  }

  async signal(pid: number, expectedStartTime: number | null, signal: NodeJS.Signals, ask: SignalAsk): Promise<SignalResult> {
    const checked = await this.check(pid, expectedStartTime);
    const result = checked.ok ? this.send(pid, checked.group, signal) : refused(checked.reason);
    await this.note(ask, pid, signal, result.sent ? result.target === 'group' : false, result);
    return result;
  }

  async terminate(pid: number, expectedStartTime: number | null, graceSeconds: number, ask: SignalAsk): Promise<TerminateResult> {
    const term = await this.signal(pid, expectedStartTime, 'SIGTERM', ask);
    if (!term.sent) return { terminated: false, signal: null, reason: term.reason };
    // signal() refuses a null start time, so from here on it is known.
    const startTime = expectedStartTime as number;
    const group = term.target === 'group';
    const gone = () => this.isGone(pid, startTime, group);

    const graceMs = Number.isFinite(graceSeconds) ? Math.max(0, graceSeconds) * 1000 : 0;
    if (await this.waitUntil(gone, graceMs)) return { terminated: true, signal: 'SIGTERM' };

    const kill = await this.forceKill(pid, startTime, group, ask);
    if (kill === 'gone') return { terminated: true, signal: 'SIGTERM' };
    if (kill !== 'sent') return { terminated: false, signal: 'SIGTERM', reason: kill };
    if (await this.waitUntil(gone, this.killWaitMs)) return { terminated: true, signal: 'SIGKILL' };
    return { terminated: false, signal: 'SIGKILL', reason: 'process still alive after SIGKILL' };
  }

  /** The policy first (it needs no start time), then the pid's identity. */
  private async check(pid: number, expectedStartTime: number | null): Promise<Checked> {
    const live = isValidPid(pid) ? await this.reader.live(pid) : null;
    if (live === null && pid > 1) return { ok: false, reason: 'process not found' };
    const self = await this.reader.signallerSelf(this.uid);
    // pid ≤ 1 is refused by its number alone; nothing of it needs reading.
    const uid = live === null ? self.uid : await this.reader.uidOf(pid);
    if (uid === null) return { ok: false, reason: 'process not found' };
    const decision = decideSignal({ pid, pgid: live?.stat.pgrp ?? pid, uid }, self);
    if (!decision.allowed) return { ok: false, reason: decision.reason };
    if (live === null) return { ok: false, reason: 'process not found' };
    if (expectedStartTime === null) return { ok: false, reason: 'no start time recorded' };
    if (!startTimesMatch(live.startTime, expectedStartTime)) return { ok: false, reason: 'pid reused by another process' };
    return { ok: true, group: decision.target === 'group' };
  }

  private send(pid: number, group: boolean, signal: NodeJS.Signals): SignalResult {
    // The last line of defence: kill(0), kill(-1) and kill(-0) reach whole sets of processes.
    if (!isValidPid(pid) || pid <= 1) return refused('refused: pid 1 or lower');
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

  private async note(ask: SignalAsk, pid: number, signal: NodeJS.Signals, group: boolean, result: SignalResult): Promise<void> {
    if (!this.audit) return;
    try {
      await this.audit.record({ ...ask, pid, signal, group, sent: result.sent, refusal: result.sent ? null : result.reason });
    } catch {
      // The audit logs its own failures; a stop must not fail because its record did.
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

  private async forceKill(pid: number, startTime: number, group: boolean, ask: SignalAsk): Promise<'sent' | 'gone' | SignalRefusal> {
    const live = await this.reader.live(pid);
    if (live) {
      const result = await this.signal(pid, startTime, 'SIGKILL', ask);
      if (result.sent) return 'sent';
      return result.reason === 'process not found' || result.reason === 'pid reused by another process'
        ? 'gone'
        : result.reason;
    }
    if (!group) return 'gone';
    // The leader has exited but members that ignored SIGTERM remain. Its group id was checked against
    // the policy when the group got its SIGTERM, and cannot have been reused while members live.
    if ((await this.reader.liveGroupMembers(pid)).length === 0) return 'gone';
    const result = this.send(pid, true, 'SIGKILL');
    await this.note(ask, pid, 'SIGKILL', true, result);
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
