import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrashResult } from '../results.js';
import { startBenchServer } from '../pulseboard-server.js';
import { wallMs } from '../children/spawn.js';
import { sleep } from '../stats.js';

interface Mark {
  run_id: number;
  task_id: string;
  pid: number;
  at: number;
}

const PROFILE = 'crashy';
const FIRST_START_TIMEOUT_MS = 30_000;

/**
 * Pulseboard's dispatcher at its defaults runs a profile whose process starts the task and hangs; that
 * process gets SIGKILL; the figure is the time until the dispatcher's next process for the task starts.
 */
export async function measureDispatcherCrash(capSeconds: number): Promise<CrashResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pulseboard-bench-crash-'));
  const markFile = path.join(dir, 'marks.jsonl');
  const child = fileURLToPath(new URL('../children/dispatched-child.mjs', import.meta.url));
  const server = await startBenchServer({
    dir,
    dispatch: true,
    config: { profiles: { [PROFILE]: { command: [process.execPath, child], env: { BENCH_MARK_FILE: markFile } } } },
  });
  const killed: number[] = [];
  try {
    const task = await server.store.createTask({ title: 'crash me', assignee: PROFILE });
    const first = await nextMark(markFile, task.id, new Set(), FIRST_START_TIMEOUT_MS);
    if (!first) throw new Error(`the dispatcher did not start a process within ${FIRST_START_TIMEOUT_MS / 1000} s`);
    const killedAt = wallMs();
    process.kill(first.pid, 'SIGKILL');
    killed.push(first.pid);
    const rerun = await nextMark(markFile, task.id, new Set([first.pid]), capSeconds * 1000);
    if (rerun) killed.push(rerun.pid);
    return { seconds: rerun ? (rerun.at - killedAt) / 1000 : null, cap_seconds: capSeconds, note: 'dispatcher defaults; new process start included' };
  } finally {
    await server.close();
    for (const pid of marks(markFile).map((m) => m.pid)) if (!killed.includes(pid)) killQuietly(pid);
    rmSync(dir, { recursive: true, force: true });
  }
}

function marks(file: string): Mark[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Mark);
}

async function nextMark(file: string, taskId: string, exceptPids: Set<number>, timeoutMs: number): Promise<Mark | null> {
  const deadline = wallMs() + timeoutMs;
  while (wallMs() < deadline) {
    const found = marks(file).find((m) => m.task_id === taskId && !exceptPids.has(m.pid));
    if (found) return found;
    await sleep(2);
  }
  return null;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: the dispatcher's close() may have ended it.
  }
}
