import type { ChildProcess } from 'node:child_process';
import type { ProcessInspector } from '../../ports/process-inspector.js';
import type { ExitStatus } from './exit-outcome.js';

/** A worker process the dispatcher watches: its own child, or one adopted after a restart. */
export interface WatchedProcess {
  readonly pid: number;
  readonly startTime: number | null;
  /** Resolves once the process is gone; never, after stopWatching. */
  readonly exited: Promise<ExitStatus>;
  /**
   * Kills the whole group without the start-time check, for when the signaller cannot act (no start
   * time). Only possible for our own unreaped child, whose pid nobody else can hold yet.
   */
  killGroupUnchecked(): boolean;
  stopWatching(): void;
}

export function watchChild(child: ChildProcess, pid: number, startTime: number | null, exited: Promise<ExitStatus>): WatchedProcess {
  const unreaped = () => child.exitCode === null && child.signalCode === null;
  return {
    pid,
    startTime,
    exited,
    killGroupUnchecked: () => (unreaped() ? killGroup(pid) : false),
    // Left running on purpose (the server is going away); it must not hold this process open.
    stopWatching: () => child.unref(),
  };
}

/** Not our child, so no exit event: poll its identity until it is gone. */
export function watchAdopted(inspector: ProcessInspector, pid: number, startTime: number, pollMs: number): WatchedProcess {
  let timer: NodeJS.Timeout | undefined;
  let watching = true;
  const exited = new Promise<ExitStatus>((resolve) => {
    const poll = async () => {
      if (!watching) return;
      let alive = true;
      try {
        alive = (await inspector.check(pid, startTime)).alive;
      } catch {
        // An unreadable /proc entry is not proof of exit: look again next time.
      }
      if (!watching) return;
      if (!alive) {
        resolve({ kind: 'unknown' });
        return;
      }
      timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
  });
  return {
    pid,
    startTime,
    exited,
    killGroupUnchecked: () => false,
    stopWatching: () => {
      watching = false;
      clearTimeout(timer);
    },
  };
}

/**
 * After our child (the group leader) exits, members it left behind would go on working on a task that
 * is about to be re-run. While any member lives the kernel keeps the group id from being reused.
 */
export function killGroup(pgid: number): boolean {
  // kill(-1) would reach every process we may signal, kill(-0) our own group.
  if (!Number.isSafeInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
