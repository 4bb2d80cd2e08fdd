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

  it('a recorded start time that differs means another process: no figures, no history', async () => {
    const child = children.spawn('sleep', ['30']);
    const startedAt = readProcessStartTime(child.pid) as number;
    const sampler = new ProcessSampler(new ProcInspector());
    expect(await sampler.look([{ pid: child.pid, started_at: startedAt - 100 }])).toEqual([{ alive: false, reason: 'pid reused by another process' }]);
    expect(await sampler.look([{ pid: 2 ** 22 + 17, started_at: null }])).toEqual([{ alive: false, reason: 'process not found' }]);
    expect(sampler.size).toBe(0);
  });
});
