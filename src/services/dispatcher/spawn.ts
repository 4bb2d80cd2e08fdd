import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { exitStatusOf } from './exit-outcome.js';
import type { ExitStatus } from './exit-outcome.js';

export interface SpawnRequest {
  command: string[];
  cwd?: string;
  env: Record<string, string>;
  /** stdout and stderr go straight to this file: a pipe would SIGPIPE the child once the server went away. */
  logFd: number;
}

export type SpawnResult =
  | { ok: true; child: ChildProcess; pid: number; exited: Promise<ExitStatus> }
  | { ok: false; error: string };

/** Starts the worker in its own process group (so it and its children can be signalled as one), never via a shell. */
export async function spawnWorker(req: SpawnRequest): Promise<SpawnResult> {
  const [file, ...args] = req.command;
  if (file === undefined || file.length === 0) return { ok: false, error: 'profile command is empty' };
  // A missing cwd fails as "spawn <command> ENOENT", which blames the command: name the real fault.
  if (req.cwd !== undefined && !isDirectory(req.cwd)) return { ok: false, error: `cwd ${req.cwd} is not a directory` };
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: req.cwd,
      env: req.env,
      detached: true,
      shell: false,
      stdio: ['ignore', req.logFd, req.logFd],
    });
  } catch (err) {
    return { ok: false, error: describe(err) };
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve(exitStatusOf(code, signal)));
  });
  if (child.pid === undefined) {
    // The failure (ENOENT, EACCES, a missing cwd) arrives as an 'error' event on a later tick.
    // Node's message already names the command and the errno, e.g. "spawn nope ENOENT".
    const error = await new Promise<string>((resolve) => child.once('error', (err) => resolve(describe(err))));
    return { ok: false, error };
  }
  child.on('error', () => {
    // Errors after a successful spawn (a failed kill) are reported through exit; without a listener they would throw.
  });
  return { ok: true, child, pid: child.pid, exited };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
