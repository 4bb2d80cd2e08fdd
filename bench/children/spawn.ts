import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ChildEvent {
  event: string;
  seq?: number;
  pid?: number;
  /** performance.timeOrigin + performance.now() in the child. */
  at?: number;
}

/** Wall clock with sub-millisecond resolution, comparable across processes on one machine. */
export const wallMs = (): number => performance.timeOrigin + performance.now();

/** A child process speaking JSON lines on stdout, with a way to wait for a given line. */
export class JsonLineChild {
  readonly proc: ChildProcess;
  private readonly seen: ChildEvent[] = [];
  private readonly waiters: Array<{ match: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void }> = [];
  private exited = false;

  constructor(script: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
    const path = fileURLToPath(new URL(script, import.meta.url));
    // BENCH_CPU_PROF_DIR: every child writes a CPU profile there when it exits (node --cpu-prof).
    const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
    // BENCH_CHILD_FLAGS: more node flags for every child (e.g. --trace-gc, --cpu-prof-interval 100).
    const flags = process.env.BENCH_CHILD_FLAGS?.split(' ').filter((flag) => flag !== '') ?? [];
    this.proc = spawn(process.execPath, [...profile, ...flags, '--import', 'tsx', path, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
    this.proc.on('exit', () => {
      this.exited = true;
    });
    createInterface({ input: this.proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let event: ChildEvent;
      try {
        event = JSON.parse(line) as ChildEvent;
      } catch {
        // What a flag prints (a GC trace) is not ours to parse, but the one who set it wants to read it.
        if (flags.length > 0) process.stderr.write(`[child] ${line}\n`);
        return;
      }
      this.seen.push(event);
      for (const w of this.waiters.filter((w) => w.match(event))) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(event);
      }
    });
  }

  /** Resolves with the first matching line (past or future), or null after `timeoutMs`. */
  waitFor(match: (e: ChildEvent) => boolean, timeoutMs: number): Promise<ChildEvent | null> {
    const past = this.seen.find(match);
    if (past) return Promise.resolve(past);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve(null);
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (e: ChildEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exited && this.proc.pid !== undefined) this.proc.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    if (process.env.BENCH_CPU_PROF_DIR) {
      // A profiled child writes its profile only when it exits by itself.
      this.kill('SIGTERM');
      const timer = setTimeout(() => this.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
      return;
    }
    this.kill('SIGKILL');
    await gone;
  }
}
