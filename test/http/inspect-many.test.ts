import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcInspector, readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import { ProcSignaller } from '../../src/adapters/process/signaller.js';
import type { Run } from '../../src/core/types.js';
import { serveHostAgent } from '../../src/services/host-agent.js';
import { storeSignalAudit } from '../../src/services/signal-audit.js';
import { Children, cpuTicks, execDone, waitFor } from '../process/children.js';
import { bodyOf, startHarness } from './harness.js';
import type { Harness } from './harness.js';

/** Burns CPU half of the time: its CPU % between two readings is well above zero and below a core. */
const HALF_BUSY = ['node', '-e', 'setInterval(() => { const end = Date.now() + 50; while (Date.now() < end); }, 100)'];

/** The real /proc inspector, counting how many batches of pids the agent was asked to read. */
class CountingInspector extends ProcInspector {
  readonly batches: number[] = [];
  override readMany(requests: readonly { pid: number; cmdline: boolean; fds: boolean }[]) {
    this.batches.push(requests.length);
    return super.readMany(requests);
  }
}

interface Inspection {
  run_id: number;
  alive: boolean;
  reason?: string;
  pid?: number;
  host?: string;
  cpu_percent?: number;
  memory_rss_bytes?: number;
  num_threads?: number;
  num_fds?: number | null;
}

describe('many-runs inspect: POST /api/runs/inspect and GET /api/workers/active?inspect=1', () => {
  let h: Harness;
  const children = new Children();
  let boardCounter = 0;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await children.killAll();
  });
  afterAll(async () => {
    await h.close();
  });

  async function liveRun(opts: { command?: string[]; host?: string } = {}): Promise<{ run: Run; pid: number }> {
    const board = `many-${++boardCounter}`;
    await h.api('POST', '/api/tasks', { body: { title: 'job', board } });
    const claimed = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board } });
    const { run } = bodyOf<{ run: Run }>(claimed);
    const [command, ...args] = opts.command ?? ['sleep', '30'];
    const child = children.spawn(command as string, args, { detached: true });
    await execDone(child.pid, command as string);
    await h.store.recordProcess(run.id, { pid: child.pid, worker_started_at: readProcessStartTime(child.pid), host: opts.host ?? h.hostname });
    return { run, pid: child.pid };
  }

  const inspect = async (runIds: number[]) => {
    const answer = await h.api('POST', '/api/runs/inspect', { token: h.tokens.viewer, body: { run_ids: runIds } });
    expect(answer.status, answer.text).toBe(200);
    return bodyOf<{ inspections: Inspection[]; checked_at: number }>(answer).inspections;
  };

  it('answers every run in order, each as the single inspect would', async () => {
    const busy = await liveRun({ command: HALF_BUSY });
    const idle = await liveRun();
    const noPid = bodyOf<{ run: Run }>(
      await (async () => {
        await h.api('POST', '/api/tasks', { body: { title: 'unstarted', board: 'many-nopid' } });
        return h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'many-nopid' } });
      })(),
    ).run;
    const answers = await inspect([busy.run.id, 987654, idle.run.id, noPid.id]);
    expect(answers.map((a) => a.run_id)).toEqual([busy.run.id, 987654, idle.run.id, noPid.id]);
    expect(answers[0]).toMatchObject({ alive: true, pid: busy.pid, host: h.hostname });
    expect(answers[0]?.memory_rss_bytes).toBeGreaterThan(1024 * 1024);
    expect(answers[0]?.num_threads).toBeGreaterThanOrEqual(1);
    expect(answers[0]?.num_fds).toBeGreaterThan(2);
    expect(answers[1]).toEqual({ run_id: 987654, alive: false, reason: 'run not found' });
    expect(answers[2]).toMatchObject({ alive: true, pid: idle.pid });
    expect(answers[3]).toEqual({ run_id: noPid.id, alive: false, reason: 'no worker_pid recorded', worker_origin: null });
    const single = await h.api('GET', `/api/runs/${idle.run.id}/inspect`);
    expect(Object.keys(single.body as object).sort()).toEqual(Object.keys(answers[2] as object).sort());
  });

  it('CPU % is the change since the previous reading of that process, with no sampling wait', async () => {
    const busy = await liveRun({ command: HALF_BUSY });
    const idle = await liveRun();
    await inspect([busy.run.id, idle.run.id]);
    // Until the busy child has had some CPU since that reading: a loaded machine may give it none for a while.
    const ticks = cpuTicks(busy.pid);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await waitFor(() => cpuTicks(busy.pid) >= ticks + 10, 'the busy child to use some CPU', 60_000);
    const started = performance.now();
    const [b, i] = await inspect([busy.run.id, idle.run.id]);
    const took = performance.now() - started;
    // The 100 ms sample the old inspect slept through is gone: far less than one sample of wall time.
    expect(took).toBeLessThan(2000);
    // On a loaded machine the busy child gets less than its half core, but clearly some; the sleeper none.
    expect(b?.cpu_percent).toBeGreaterThan(3);
    expect(b?.cpu_percent).toBeLessThan(100);
    expect(i?.cpu_percent).toBeLessThan(2);
  });

  it('a pid whose start time differs is reported reused, and an ended run as ended', async () => {
    const { run, pid } = await liveRun();
    await h.store.recordProcess(run.id, { pid, worker_started_at: (readProcessStartTime(pid) as number) - 300, host: h.hostname });
    const [reused] = await inspect([run.id]);
    expect(reused).toMatchObject({ run_id: run.id, alive: false, reason: 'pid reused by another process' });
    await h.api('POST', `/api/runs/${run.id}/complete`, { token: h.tokens.worker, body: { claim_token: run.claim_token, outcome: 'completed' } });
    const [ended] = await inspect([run.id]);
    expect(ended).toMatchObject({ run_id: run.id, alive: false, reason: 'run already ended' });
  });

  it('runs on another host are answered by its agent in one request for all of them', async () => {
    const far = [await liveRun({ host: 'far-away' }), await liveRun({ host: 'far-away' })];
    const near = await liveRun();
    const inspector = new CountingInspector();
    const agent = serveHostAgent({
      bus: h.bus,
      hostname: 'far-away',
      inspector,
      signaller: new ProcSignaller(),
      store: h.store,
      audit: storeSignalAudit(h.store, () => undefined),
    });
    try {
      const answers = await inspect([far[0]!.run.id, near.run.id, far[1]!.run.id]);
      expect(answers.map((a) => [a.alive, a.pid, a.host])).toEqual([
        [true, far[0]!.pid, 'far-away'],
        [true, near.pid, h.hostname],
        [true, far[1]!.pid, 'far-away'],
      ]);
      expect(inspector.batches).toEqual([2]);
    } finally {
      agent.close();
    }
    const [unreachable] = await inspect([far[0]!.run.id]);
    expect(unreachable).toMatchObject({ run_id: far[0]!.run.id, alive: false, reason: 'host far-away unreachable' });
  });

  it('GET /api/workers/active?inspect=1 adds each row its process answer', async () => {
    const { run, pid } = await liveRun();
    const answer = await h.api('GET', '/api/workers/active?inspect=1', { token: h.tokens.viewer });
    expect(answer.status, answer.text).toBe(200);
    const rows = bodyOf<{ workers: { run_id: number; process?: Inspection }[]; count: number }>(answer).workers;
    const row = rows.find((r) => r.run_id === run.id);
    expect(row?.process).toMatchObject({ run_id: run.id, alive: true, pid });
    const plain = bodyOf<{ workers: { process?: unknown }[] }>(await h.api('GET', '/api/workers/active'));
    expect(plain.workers.every((r) => r.process === undefined)).toBe(true);
    expect((await h.api('GET', '/api/workers/active?inspect=yes')).status).toBe(400);
  });

  it('bounds the request: 1 to 1000 positive integer ids', async () => {
    for (const run_ids of [[], Array.from({ length: 1001 }, (_, i) => i + 1), [0], [1.5], ['1']]) {
      const answer = await h.api('POST', '/api/runs/inspect', { body: { run_ids } });
      expect(answer.status, JSON.stringify(run_ids).slice(0, 40)).toBe(400);
      expect(bodyOf(answer).detail).toBeTruthy();
    }
    expect((await h.api('POST', '/api/runs/inspect', { token: null, body: { run_ids: [1] } })).status).toBe(401);
  });
});
