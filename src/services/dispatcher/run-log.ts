import { closeSync, copyFileSync, mkdirSync, openSync, statSync, truncateSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DEFAULT_TAIL_LINES = 200;
export const MAX_TAIL_LINES = 5000;

export function runLogPath(logDir: string, runId: number): string {
  return join(logDir, `run-${runId}.log`);
}

export function rotatedLogPath(logDir: string, runId: number): string {
  return `${runLogPath(logDir, runId)}.1`;
}

/**
 * Opened in append mode so the child's writes always land at the end of the file: after a
 * copy-truncate rotation they continue at offset 0 instead of leaving a hole of zeros.
 */
export function openRunLog(logDir: string, runId: number): number {
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  return openSync(runLogPath(logDir, runId), 'a', 0o600);
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * Copy-truncate: the child keeps writing through its own descriptor, which a rename would leave
 * pointing at the old file. Bytes written between the copy and the truncate are lost; a bounded log
 * accepts that. Returns whether it rotated.
 */
export function rotateRunLogIfOver(logDir: string, runId: number, maxBytes: number): boolean {
  const path = runLogPath(logDir, runId);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  copyFileSync(path, rotatedLogPath(logDir, runId));
  truncateSync(path, 0);
  return true;
}

export interface RunLogTail {
  lines: string[];
  /** Earlier output exists, or existed before a rotation dropped it, that `lines` leaves out. */
  truncated: boolean;
}

/** The last `count` lines of a run's log (rotated part included), or null when the run has no log. */
export async function tailRunLog(logDir: string, runId: number, count: number): Promise<RunLogTail | null> {
  const current = await readIfExists(runLogPath(logDir, runId));
  if (current === null) return null;
  const rotated = await readIfExists(rotatedLogPath(logDir, runId));
  const all = splitLines((rotated ?? '') + current);
  const lines = count > 0 ? all.slice(-count) : [];
  // Rotation keeps only one old file, so once one exists earlier output may have been dropped.
  const truncated = lines.length < all.length || rotated !== null;
  return { lines, truncated };
}

function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
