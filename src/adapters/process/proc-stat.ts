import type { ProcessStatus } from '../../ports/process-inspector.js';

/** The fields of /proc/<pid>/stat this adapter uses (see proc(5); field numbers are 1-based there). */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  utimeTicks: number;
  stimeTicks: number;
  numThreads: number;
  startTicks: number;
  vsizeBytes: number;
  rssPages: number;
}

export class MalformedProcFile extends Error {}

/**
 * comm (field 2) is the executable name in parentheses and may itself hold spaces and parentheses,
 * so the fixed fields are the ones after the LAST ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new MalformedProcFile(`malformed stat line: ${text.slice(0, 80)}`);
  const fields = text.slice(close + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state).
  const field = (n: number): number => {
    const raw = fields[n - 3];
    const value = raw === undefined ? Number.NaN : Number(raw);
    if (!Number.isFinite(value)) throw new MalformedProcFile(`stat field ${n} missing or not a number`);
    return value;
  };
  const state = fields[0];
  if (state === undefined || state.length !== 1) throw new MalformedProcFile('stat state field missing');
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state,
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    utimeTicks: field(14),
    stimeTicks: field(15),
    numThreads: field(20),
    startTicks: field(22),
    vsizeBytes: field(23),
    rssPages: field(24),
  };
}

const STATUS_BY_LETTER: Record<string, ProcessStatus> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk-sleep',
  T: 'stopped',
  t: 'tracing-stop',
  Z: 'zombie',
  X: 'dead',
  x: 'dead',
  K: 'wake-kill',
  W: 'waking',
  P: 'parked',
  I: 'idle',
};

export function statusWord(stateLetter: string): ProcessStatus {
  return STATUS_BY_LETTER[stateLetter] ?? 'unknown';
}

/** A zombie has exited and only waits to be reaped: for every purpose here it is gone. */
export function isExited(stat: ProcStat): boolean {
  const status = statusWord(stat.state);
  return status === 'zombie' || status === 'dead';
}

/** Real uid from the `Uid:` line of /proc/<pid>/status (real, effective, saved, fs). */
export function parseStatusUid(text: string): number {
  const match = /^Uid:\s+(\d+)/m.exec(text);
  if (!match?.[1]) throw new MalformedProcFile('status has no Uid line');
  return Number(match[1]);
}

/** Arguments are NUL-terminated; only the final terminator is dropped so empty arguments survive. */
export function parseCmdline(raw: string): string[] {
  if (raw === '') return [];
  const body = raw.endsWith('\0') ? raw.slice(0, -1) : raw;
  return body.split('\0');
}

/** Boot time in epoch seconds from the `btime` line of /proc/stat. */
export function parseBootTime(procStatText: string): number {
  const match = /^btime\s+(\d+)\s*$/m.exec(procStatText);
  if (!match?.[1]) throw new MalformedProcFile('/proc/stat has no btime line');
  return Number(match[1]);
}
