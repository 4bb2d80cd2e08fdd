import { describe, expect, it } from 'vitest';
import {
  MalformedProcFile,
  parseBootTime,
  parseCmdline,
  parseProcStat,
  parseStatusUid,
  statusWord,
} from '../../src/adapters/process/proc-stat.js';

// A real stat line of `sleep`, fields 3..52.
const TAIL =
  'S 6534 6600 5828 0 -1 4194304 98 0 0 0 7 3 0 0 20 0 1 0 44784 3133440 358 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

describe('parseProcStat', () => {
  it('reads the numbered fields of proc(5)', () => {
    const stat = parseProcStat(`6600 (sleep) ${TAIL}\n`);
    expect(stat).toEqual({
      pid: 6600,
      comm: 'sleep',
      state: 'S',
      ppid: 6534,
      pgrp: 6600,
      session: 5828,
      utimeTicks: 7,
      stimeTicks: 3,
      numThreads: 1,
      startTicks: 44784,
      vsizeBytes: 3133440,
      rssPages: 358,
    });
  });

  it('splits at the last parenthesis when comm holds spaces and parentheses', () => {
    const stat = parseProcStat(`42 (a) S 1 (b c)) ${TAIL}`);
    expect(stat.comm).toBe('a) S 1 (b c)');
    expect(stat.state).toBe('S');
    expect(stat.pgrp).toBe(6600);
    expect(stat.startTicks).toBe(44784);
  });

  it('rejects a line without comm or with missing fields', () => {
    expect(() => parseProcStat('garbage')).toThrow(MalformedProcFile);
    expect(() => parseProcStat('1 (init) S 0 1')).toThrow(MalformedProcFile);
  });
});

describe('statusWord', () => {
  it('names the kernel state letters', () => {
    expect(['R', 'S', 'D', 'Z', 'T', 't', 'I'].map(statusWord)).toEqual([
      'running',
      'sleeping',
      'disk-sleep',
      'zombie',
      'stopped',
      'tracing-stop',
      'idle',
    ]);
    expect(statusWord('?')).toBe('unknown');
  });
});

describe('parseCmdline', () => {
  it('splits NUL-terminated arguments and keeps empty ones', () => {
    expect(parseCmdline('sh\0-c\0\0')).toEqual(['sh', '-c', '']);
    expect(parseCmdline('sleep\x0030\0')).toEqual(['sleep', '30']);
  });

  it('is empty for kernel threads and keeps a rewritten title whole', () => {
    expect(parseCmdline('')).toEqual([]);
    expect(parseCmdline('postgres: writer process   ')).toEqual(['postgres: writer process   ']);
  });
});

describe('parseStatusUid and parseBootTime', () => {
  it('reads the real uid and btime', () => {
    expect(parseStatusUid('Name:\tsleep\nUid:\t1000\t1001\t1002\t1003\nGid:\t5\n')).toBe(1000);
    expect(parseBootTime('cpu  1 2 3\nintr 5\nbtime 1795444465\nprocesses 9\n')).toBe(1795444465);
  });

  it('rejects files without the line', () => {
    expect(() => parseStatusUid('Name:\tx\n')).toThrow(MalformedProcFile);
    expect(() => parseBootTime('cpu 1 2\n')).toThrow(MalformedProcFile);
  });
});
