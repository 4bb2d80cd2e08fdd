import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('./fixtures/claim-worker.ts', import.meta.url));

export interface WorkerHandle<T> {
  child: ChildProcess;
  /** The first message the worker sends; rejects if it exits first. */
  message: Promise<T>;
  exited: Promise<number | null>;
}

export function spawnClaimWorker<T>(args: string[]): WorkerHandle<T> {
  const child = fork(FIXTURE, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const message = new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code, signal) => reject(new Error(`worker ${args.join(' ')} exited (${code ?? signal}) before reporting`)));
    child.once('error', reject);
  });
  return { child, message, exited };
}

export async function killAndWait(handle: WorkerHandle<unknown>): Promise<void> {
  if (handle.child.exitCode === null && handle.child.signalCode === null) handle.child.kill('SIGKILL');
  await handle.exited;
}
