import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcInspector, readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import { ProcessSampler } from '../../src/services/process-sampler.js';
import { Children, stdoutOf } from '../process/children.js';

/** Spins for its first second (a high lifetime average), then idles. */
const BUSY_THEN_IDLE = ['node', '-e', "const end = Date.now() + 1000; while (Date.now() < end); console.log('ready'); setInterval(() => {}, 1000)"];

/** CPU % of pid averaged over its life so far, from its stat (USER_HZ 100) and the system's boot time. */
function averageSinceStart(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  const bootTime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
  const startedAt = bootTime + Number(fields[19]) / 100;
  return (cpuSeconds / (Date.now() / 1000 - startedAt)) * 100;
}

describe('ProcessSampler: CPU % from the previous reading, as top computes it', () => {
  const children = new Children();
  afterEach(async () => {
    await children.killAll();
  });

  it('first reading: the average since start; later readings: only the time between them', async () => {
    const child = children.spawn(BUSY_THEN_IDLE[0] as string, BUSY_THEN_IDLE.slice(1));
    await stdoutOf(child).waitFor('ready');
    const startedAt = readProcessStartTime(child.pid);
    const sampler = new ProcessSampler(new ProcInspector());
    const [first] = await sampler.look([{ pid: child.pid, started_at: startedAt }]);
    // The same average worked out here from /proc, a moment later: how much CPU the spin got depends
    // on how busy the machine is, so the figure is compared with it rather than with a constant.
    const lifetimeAverage = averageSinceStart(child.pid);
    expect(first).toMatchObject({ alive: true, pid: child.pid });
    if (!first?.alive) throw new Error('unreachable');
    expect(first.cpu_percent).toBeGreaterThan(0.5);
    expect(Math.abs(first.cpu_percent - lifetimeAverage)).toBeLessThan(Math.max(1, lifetimeAverage * 0.2));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [second] = await sampler.look([{ pid: child.pid, started_at: startedAt }]);
    if (!second?.alive) throw new Error('expected alive');
    // Idle since the first reading: not the average since start any more.
    expect(second.cpu_percent).toBeLessThan(3);
    expect(second.cpu_percent).toBeLessThan(first.cpu_percent);
    expect(second.cmdline).toEqual(first.cmdline);
    expect(sampler.size).toBe(1);
  });

  it('the fd table is counted again only once its count is 5 to 10 s old, and the answer says when it was counted', async () => {
    const OPENS_ON_INPUT = "process.stdin.once('data', () => { for (let i = 0; i < 20; i++) require('fs').openSync('/dev/null', 'r'); console.log('opened'); }); console.log('ready')";
    const child = children.spawn('node', ['-e', OPENS_ON_INPUT], { stdio: ['pipe', 'pipe', 'inherit'] });
    const out = stdoutOf(child);
    await out.waitFor('ready');
    const startedAt = readProcessStartTime(child.pid);
    let offsetMs = 0;
    const sampler = new ProcessSampler(new ProcInspector(), () => Date.now() + offsetMs);
    const look = async () => {
      const [answer] = await sampler.look([{ pid: child.pid, started_at: startedAt }]);
      if (!answer?.alive) throw new Error('expected alive');
      return answer;
    };
    const first = await look();
    expect(first.num_fds).toBeGreaterThan(0);
    child.stdin?.write('open\n');
    await out.waitFor('opened');
    offsetMs = 4_000;
    const soon = await look();
    expect(soon.num_fds).toBe(first.num_fds);
    expect(soon.num_fds_read_at).toBe(first.num_fds_read_at);
    offsetMs = 10_000;
    const later = await look();
    expect(later.num_fds).toBeGreaterThanOrEqual((first.num_fds as number) + 20);
    expect(later.num_fds_read_at).toBeGreaterThan((first.num_fds_read_at as number) + 9);
  });

  it('a recorded start time that differs means another process: no figures, no history', async () => {
    const child = children.spawn('sleep', ['30']);
    const startedAt = readProcessStartTime(child.pid) as number;
    const sampler = new ProcessSampler(new ProcInspector());
    expect(await sampler.look([{ pid: child.pid, started_at: startedAt - 100 }])).toEqual([{ alive: false, reason: 'pid reused by another process' }]);
    expect(await sampler.look([{ pid: 2 ** 22 + 17, started_at: null }])).toEqual([{ alive: false, reason: 'process not found' }]);
    expect(sampler.size).toBe(0);
  });
});
