import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { rotatedLogPath, runLogPath } from './run-log.js';

/** Most bytes read from a log in one step, so one busy log cannot hold a request forever. */
const MAX_READ_BYTES = 1024 * 1024;

/**
 * Reads a run's log as it grows, line by line, numbering lines from the start of the log (the
 * rotated part included): a client that saw n lines resumes at line n + 1. Copy-truncate rotation
 * is followed: what was written before it is read from the rotated copy, then the new file from 0.
 */
export class RunLogFollower {
  private offset = 0;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  /** Lines handed out so far, counted from the start of the log. */
  lineNumber = 0;

  constructor(
    private readonly logDir: string,
    private readonly runId: number,
  ) {}

  /** The lines after `seen` that exist now (without `seen`, the last `tail`), or null when the run has no log. */
  async start(seen: number | null, tail: number): Promise<string[] | null> {
    const path = runLogPath(this.logDir, this.runId);
    if (!(await exists(path))) return null;
    const rotated = await this.read(rotatedLogPath(this.logDir, this.runId), 0, Infinity);
    this.offset = Math.min(await sizeOf(path), MAX_READ_BYTES);
    const lines = this.split(rotated + (await this.read(path, 0, this.offset)));
    if (seen === null) return tail === 0 ? [] : lines.slice(-tail);
    return lines.slice(Math.min(seen, lines.length));
  }

  /** Complete lines written since the last call. */
  async next(): Promise<string[]> {
    const path = runLogPath(this.logDir, this.runId);
    const size = await sizeOf(path);
    let text = '';
    if (size < this.offset) {
      // Rotated: the rest of the old file is in the copy.
      text += await this.read(rotatedLogPath(this.logDir, this.runId), this.offset, Infinity);
      this.offset = 0;
    }
    const end = Math.min(size, this.offset + MAX_READ_BYTES);
    text += await this.read(path, this.offset, end);
    this.offset = Math.max(this.offset, end);
    return this.split(text);
  }

  /** The unterminated last line, once nothing more will come. */
  flush(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest === '') return [];
    this.lineNumber++;
    return [rest];
  }

  private split(text: string): string[] {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    this.lineNumber += lines.length;
    return lines;
  }

  private async read(path: string, from: number, to: number): Promise<string> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch {
      return '';
    }
    try {
      const size = (await handle.stat()).size;
      const length = Math.max(0, Math.min(size, to) - from);
      if (length === 0) return '';
      const buffer = Buffer.alloc(Math.min(length, MAX_READ_BYTES));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
      return this.decoder.write(buffer.subarray(0, bytesRead));
    } finally {
      await handle.close();
    }
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
