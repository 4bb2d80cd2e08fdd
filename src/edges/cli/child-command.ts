import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export type ChildExit = { code: number | null; signal: NodeJS.Signals | null };

export interface RunningChild {
  pid: number;
  exited: Promise<ChildExit>;
  /** SIGTERM to the child's whole process group, SIGKILL after the grace if it is still there. */
  killGroup(graceSeconds: number): void;
}

/**
 * Starts argv (never through a shell) as the leader of its own process group, so the command and
 * everything it starts can be stopped together. Rejects when the program cannot be started at all.
 */
export function startChild(argv: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string }): Promise<RunningChild> {
  const [program, ...args] = argv;
  if (program === undefined) return Promise.reject(new Error('no command given'));
  const child = spawn(program, args, { stdio: 'inherit', detached: true, env: opts.env, cwd: opts.cwd });
  const exited = new Promise<ChildExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('spawn', () => {
      child.off('error', reject);
      resolve({ pid: child.pid as number, exited, killGroup: (grace) => killGroup(child, exited, grace) });
    });
  });
}

function killGroup(child: ChildProcess, exited: Promise<ChildExit>, graceSeconds: number): void {
  let done = false;
  void exited.then(() => (done = true));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => {
    // Until the exit is seen the child is unreaped, so its pid (and group id) cannot belong to anyone else.
    if (!done) signalGroup(child, 'SIGKILL');
  }, graceSeconds * 1000);
  void exited.then(() => clearTimeout(timer));
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  // Our own unreaped child leads its group (detached); a pid ≤ 1 would make kill(-pid) reach far more.
  if (child.pid === undefined || child.pid <= 1 || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function describeExit(exit: ChildExit): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
