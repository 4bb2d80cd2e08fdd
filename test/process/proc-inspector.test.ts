import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { localHostName, ProcInspector, readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import type { ProcessSnapshot } from '../../src/ports/process-inspector.js';
import { allProcesses, Children, exited, stdoutOf, waitFor } from './children.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const inspector = new ProcInspector();
const children = new Children();
const nowSeconds = () => Date.now() / 1000;
const BUSY_THREE_THREADS = [
  "const { Worker } = require('node:worker_threads');",
  "for (let i = 0; i < 2; i++) new Worker('for (;;) {}', { eval: true });",
  "process.stdout.write('looping\\n');",
  'for (;;) {}',
].join(' ');

afterEach(() => children.killAll());

function pidBeyondPidMax(): number {
  return Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim()) + 1;
}

describe('ProcInspector on a live process', () => {
  it('reports the fields of a sleeping child', async () => {
    const child = children.spawn('sleep', ['30'], { detached: true });
    await waitFor(async () => (await inspector.inspect(child.pid, { sampleMs: 0 }))?.status === 'sleeping', 'sleep to sleep');

    const snapshot = await inspector.inspect(child.pid);
    expect(snapshot).not.toBeNull();
    const s = snapshot as ProcessSnapshot;
    expect(s.pid).toBe(child.pid);
    expect(s.cmdline).toEqual(['sleep', '30']);
    expect(s.memory_rss_bytes).toBeGreaterThan(0);
    expect(s.memory_vms_bytes).toBeGreaterThanOrEqual(s.memory_rss_bytes);
    expect(s.num_threads).toBeGreaterThanOrEqual(1);
    expect(s.num_fds).toBeGreaterThanOrEqual(1);
    expect(s.status).toBe('sleeping');
    expect(s.uid).toBe(process.getuid?.());
    expect(s.error).toBeUndefined();
    expect(s.cpu_percent).toBeGreaterThanOrEqual(0);
    expect(Math.abs(s.create_time - nowSeconds())).toBeLessThan(5);
  });

  it('agrees on the start time across startTime, check, inspect and the sync helper', async () => {
    const child = children.spawn('sleep', ['30']);
    const start = await inspector.startTime(child.pid);
    expect(start).not.toBeNull();
    expect(readProcessStartTime(child.pid)).toBeCloseTo(start as number, 5);
    expect(await inspector.check(child.pid, start)).toEqual({ alive: true, create_time: start });
    expect((await inspector.inspect(child.pid, { sampleMs: 0 }))?.create_time).toBeCloseTo(start as number, 5);
  });

  it('calls a pid with another start time reused, and a null expectation alive', async () => {
    const child = children.spawn('sleep', ['30']);
    const start = (await inspector.startTime(child.pid)) as number;
    expect(await inspector.check(child.pid, start - 1)).toEqual({ alive: false, reason: 'pid reused by another process' });
    expect(await inspector.check(child.pid, start + 0.05)).toEqual({ alive: false, reason: 'pid reused by another process' });
    expect(await inspector.check(child.pid, start + 0.01)).toMatchObject({ alive: true });
    expect(await inspector.check(child.pid, null)).toEqual({ alive: true, create_time: start });
  });

  it('reads comm and cmdline of an executable whose name holds spaces and parentheses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pulseboard-proc-'));
    try {
      const oddName = join(dir, 'a) S 1 (b');
      symlinkSync('/bin/sleep', oddName);
      const child = children.spawn(oddName, ['30']);
      // A misparsed stat line would never read as sleeping.
      await waitFor(async () => (await inspector.inspect(child.pid, { sampleMs: 0 }))?.status === 'sleeping', 'sleep to sleep');
      const snapshot = (await inspector.inspect(child.pid, { sampleMs: 0 })) as ProcessSnapshot;
      expect(snapshot.cmdline).toEqual([oddName, '30']);
      expect(Math.abs(snapshot.create_time - nowSeconds())).toBeLessThan(5);
    } finally {
      await children.killAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('measures the cpu of a busy loop, and next to none for a sleeper', async () => {
    const busy = children.spawn(process.execPath, ['-e', BUSY_THREE_THREADS]);
    await stdoutOf(busy).waitFor('looping\n');
    // Three spinning threads hold their own against other load on two cores, and one window may still
    // find them starved; the best of a few windows is their real share.
    const samples: number[] = [];
    for (let i = 0; i < 5 && !samples.some((cpu) => cpu > 20); i++) {
      const snapshot = await inspector.inspect(busy.pid, { sampleMs: 500 });
      expect(snapshot?.status).toBe('running');
      samples.push(snapshot?.cpu_percent ?? -1);
    }
    expect(Math.max(...samples)).toBeGreaterThan(20);

    const sleeper = children.spawn('sleep', ['30']);
    await waitFor(async () => (await inspector.inspect(sleeper.pid, { sampleMs: 0 }))?.status === 'sleeping', 'sleep to sleep');
    expect((await inspector.inspect(sleeper.pid, { sampleMs: 300 }))?.cpu_percent).toBeLessThan(10);
  });
});

describe('ProcInspector on processes that are gone', () => {
  it('reports a pid that cannot exist and a reaped child as not found', async () => {
    const child = children.spawn('true', []);
    await exited(child);
    for (const pid of [pidBeyondPidMax(), child.pid]) {
      expect(await inspector.startTime(pid)).toBeNull();
      expect(await inspector.check(pid, 123)).toEqual({ alive: false, reason: 'process not found' });
      expect(await inspector.inspect(pid, { sampleMs: 0 })).toBeNull();
      expect(readProcessStartTime(pid)).toBeNull();
    }
  });

  it('reads a process as gone once it exited, though its start time was read before through a kept descriptor', async () => {
    const child = children.spawn('sleep', ['30']);
    const start = await inspector.startTime(child.pid);
    expect(start).not.toBeNull();
    // The second reading goes through the descriptor the first one kept.
    expect(await inspector.startTime(child.pid)).toBe(start);
    child.kill('SIGKILL');
    await exited(child);
    expect(await inspector.startTime(child.pid)).toBeNull();
    expect(await inspector.check(child.pid, start)).toEqual({ alive: false, reason: 'process not found' });
  });

  it('treats invalid pids as not found', async () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) {
      expect(await inspector.check(pid, null)).toEqual({ alive: false, reason: 'process not found' });
      expect(await inspector.inspect(pid, { sampleMs: 0 })).toBeNull();
    }
  });

  it('counts a zombie as gone', async () => {
    // sleep 30 replaces the shell and never reaps the shell's background child, which stays a zombie.
    const parent = children.spawn('sh', ['-c', 'sleep 0 & exec sleep 30'], { detached: true });
    let zombie: number | undefined;
    await waitFor(() => {
      zombie = allProcesses().find((p) => p.ppid === parent.pid && p.state === 'Z')?.pid;
      return zombie !== undefined;
    }, 'a zombie child');
    const pid = zombie as number;
    expect(await inspector.startTime(pid)).toBeNull();
    expect(await inspector.check(pid, null)).toEqual({ alive: false, reason: 'process not found' });
    expect(await inspector.inspect(pid, { sampleMs: 0 })).toBeNull();
    expect(readProcessStartTime(pid)).toBeNull();
  });
});

describe('ProcInspector on a process of another user', () => {
  it('reports access denied fields instead of failing', async (ctx) => {
    const ourUid = process.getuid?.();
    if (ourUid === undefined) return ctx.skip('no uids on this platform');
    const pid1Owner = (() => {
      try {
        return statSync('/proc/1').uid;
      } catch {
        return undefined;
      }
    })();

    let snapshot: ProcessSnapshot | null;
    let expectedUid: number;
    if (pid1Owner !== undefined && pid1Owner !== ourUid) {
      snapshot = await inspector.inspect(1, { sampleMs: 20 });
      expectedUid = pid1Owner;
    } else if (ourUid === 0) {
      // We are root and own pid 1: look at ourselves through the eyes of `nobody` instead.
      snapshot = await inspectAsNobody(process.pid);
      expectedUid = 0;
    } else {
      console.log('skipping: pid 1 is ours and we cannot switch user (not root)');
      return ctx.skip('pid 1 belongs to us and we cannot run as another user');
    }

    expect(snapshot).not.toBeNull();
    const s = snapshot as ProcessSnapshot;
    expect(s.uid).toBe(expectedUid);
    expect(s.error).toBe('access denied');
    expect(s.num_fds).toBeNull();
    expect(s.num_threads).toBeGreaterThanOrEqual(1);
    expect(s.create_time).toBeLessThanOrEqual(nowSeconds() + 1);
  });
});

/**
 * The inspector's own modules and every module they import, as JavaScript, in a folder any user can
 * read, laid out as in src/: how the checkout's permissions are set does not matter.
 */
function inspectorForAnyUser(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-nobody-'));
  chmodSync(dir, 0o755);
  const processDir = join(dir, 'src/adapters/process');
  const pending = ['src/adapters/process/proc-inspector.ts'];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const { outputText } = ts.transpileModule(readFileSync(join(repoRoot, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(dir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    writeFileSync(target, outputText, { mode: 0o644 });
    // Type-only imports are gone after transpiling; what is left must be there at run time.
    for (const [, spec] of outputText.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      pending.push(join(dirname(file), `${spec}.ts`));
    }
  }
  // mkdirSync's mode is cut by the umask; nobody must be able to enter every folder.
  for (const file of done) {
    for (let folder = dirname(join(dir, file)); folder !== dir; folder = dirname(folder)) chmodSync(folder, 0o755);
  }
  copyFileSync(join(here, 'fixtures', 'inspect-pid.mjs'), join(processDir, 'inspect-pid.mjs'));
  chmodSync(join(processDir, 'inspect-pid.mjs'), 0o644);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}', { mode: 0o644 });
  return dir;
}

async function inspectAsNobody(pid: number): Promise<ProcessSnapshot | null> {
  const dir = inspectorForAnyUser();
  try {
    const child = children.spawn(process.execPath, [join(dir, 'src/adapters/process/inspect-pid.mjs'), String(pid)], {
      uid: 65534,
      gid: 65534,
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const out = stdoutOf(child);
    // 'close' rather than 'exit': it waits for stdout to be fully read.
    const code = await new Promise<number | null>((done) => child.once('close', (exitCode) => done(exitCode)));
    expect(code).toBe(0);
    return JSON.parse(out.text()) as ProcessSnapshot | null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('localHostName', () => {
  it('is the OS host name', () => {
    expect(localHostName()).toBe(hostname());
  });
});
