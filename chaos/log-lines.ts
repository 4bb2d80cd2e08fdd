import { appendFileSync, readFileSync } from 'node:fs';

/**
 * What a chaos worker writes about each run, one JSON line each, appended synchronously so a kill -9
 * loses nothing already written: start and stop of its handler, the completion it sent and whether
 * the server acknowledged it.
 */
export type LogLine =
  | { ev: 'start'; task: string; run: number; worker: string; t: number }
  | { ev: 'stop'; task: string; run: number; worker: string; t: number; how: 'returned' | 'aborted' }
  | { ev: 'sent'; task: string; run: number; worker: string; t: number }
  | { ev: 'ack'; task: string; run: number; worker: string; t: number }
  | { ev: 'refused'; task: string; run: number; worker: string; t: number; status: string };

export function appendLine(path: string, line: LogLine): void {
  appendFileSync(path, `${JSON.stringify(line)}\n`);
}

/** Every complete line of a log; a line cut short by a kill is dropped. */
export function readLines(path: string): LogLine[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    try {
      out.push(JSON.parse(raw) as LogLine);
    } catch {
      // the last line of a killed writer
    }
  }
  return out;
}
