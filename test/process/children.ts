import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseProcStat } from '../../src/adapters/process/proc-stat.js';
import type { ProcStat } from '../../src/adapters/process/proc-stat.js';

/** Spawns real processes for a test and makes sure none outlive it. */
export class Children {
  private readonly spawned: { child: ChildProcess; detached: boolean }[] = [];

  spawn(command: string, args: string[], opts: SpawnOptions = {}): ChildProcess & { pid: number } {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    this.spawned.push({ child, detached: opts.detached === true });
    return child as ChildProcess & { pid: number };
  }

  async killAll(): Promise<void> {
    for (const { child, detached } of this.spawned.splice(0)) {
      const pid = child.pid as number;
      try {
        // Detached children lead their own group; killing the group takes their own children too.
        process.kill(detached ? -pid : pid, 'SIGKILL');
      } catch {
        // already gone
      }
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
  }
}

/** Until the child runs its own program: a reading taken during exec sees no memory and no CPU yet. */
export async function execDone(pid: number, command: string): Promise<void> {
  const program = command.split('/').pop()!;
  await waitFor(() => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!.split('/').pop() === program;
    } catch {
      return false;
    }
  }, `pid ${pid} to exec ${program}`, 30_000);
}

/** CPU ticks (user + system) the process has used, from /proc. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Resolves with everything the child printed once its stdout holds `marker`. */
export function stdoutOf(child: ChildProcess): { text: () => string; waitFor: (marker: string) => Promise<void> } {
  let text = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    text += chunk;
  });
  return {
    text: () => text,
    waitFor: (marker) => waitFor(() => text.includes(marker), `"${marker}" on stdout of pid ${child.pid}`),
  };
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Every process visible in /proc, read directly so the tests do not trust the code under test to list them. */
export function allProcesses(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      stats.push(parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // exited while we looked
    }
  }
  return stats;
}

export function liveMembersOfGroup(pgid: number): ProcStat[] {
  return allProcesses().filter((stat) => stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X');
}

/** Keeps the event loop of a node child alive and reports each signal it receives, in order. */
export const SIGNAL_RECORDER = [
  "for (const s of ['SIGTERM', 'SIGWINCH']) process.on(s, () => process.stdout.write(s + '\\n'));",
  "process.stdout.write('ready\\n');",
  'setInterval(() => {}, 1000);',
].join(' ');

export const IGNORES_SIGTERM = "process.on('SIGTERM', () => {}); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);";
