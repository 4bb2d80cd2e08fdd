import { afterEach, describe, expect, it } from 'vitest';
import { ProcInspector, readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import { ProcessSampler } from '../../src/services/process-sampler.js';
import { Children, stdoutOf } from '../process/children.js';

/** Spins for its first second (a high lifetime average), then idles. */
const BUSY_THEN_IDLE = ['node', '-e', "const end = Date.now() + 1000; while (Date.now() < end); console.log('ready'); setInterval(() => {}, 1000)"];

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
    expect(first).toMatchObject({ alive: true, pid: child.pid });
    if (!first?.alive) throw new Error('unreachable');
    // It spun for most of its life so far (less than a core's worth when the machine is busy).
    expect(first.cpu_percent).toBeGreaterThan(10);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [second] = await sampler.look([{ pid: child.pid, started_at: startedAt }]);
    if (!second?.alive) throw new Error('expected alive');
    // Idle since the first reading.
    expect(second.cpu_percent).toBeLessThan(3);
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
