import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import { ProcInspector } from '../../src/adapters/process/proc-inspector.js';
import { ProcSignaller } from '../../src/adapters/process/signaller.js';
import type { Run, Task } from '../../src/core/types.js';
import { serveHostAgent } from '../../src/services/host-agent.js';
import { storeSignalAudit } from '../../src/services/signal-audit.js';
import { Children, execDone, exited, IGNORES_SIGTERM, stdoutOf, waitFor } from '../process/children.js';
import { bodyOf, startHarness } from './harness.js';
import type { Answer, Harness } from './harness.js';

function isAlive(pid: number): boolean {
  return readProcessStartTime(pid) !== null;
}

describe('terminate, reclaim and inspect on real processes', () => {
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

  /** A claimed run whose worker process is a real detached child, recorded as the dispatcher would. */
  async function runWithProcess(
    opts: { command?: string[]; startedAtOffset?: number; host?: string } = {},
  ): Promise<{ task: Task; run: Run; pid: number; child: ReturnType<Children['spawn']> }> {
    const board = `proc-${++boardCounter}`;
    await h.api('POST', '/api/tasks', { body: { title: 'long job', board } });
    const claimed = await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board } });
    expect(claimed.status, claimed.text).toBe(200);
    const { task, run } = bodyOf<{ task: Task; run: Run }>(claimed);
    const [command, ...args] = opts.command ?? ['sleep', '30'];
    const child = children.spawn(command as string, args, { detached: true });
    if (opts.command) await stdoutOf(child).waitFor('ready');
    else await execDone(child.pid, command as string);
    const startedAt = readProcessStartTime(child.pid);
    expect(startedAt).not.toBeNull();
    await h.store.recordProcess(run.id, {
      pid: child.pid,
      worker_started_at: (startedAt as number) + (opts.startedAtOffset ?? 0),
      host: opts.host ?? h.hostname,
    });
    return { task, run, pid: child.pid, child };
  }

  for (const [then, status] of [
    ['requeue', 'ready'],
    ['block', 'blocked'],
    ['archive', 'archived'],
  ] as const) {
    it(`terminate kills the process and sends the task to ${status} (then: ${then})`, async () => {
      const { task, run, pid, child } = await runWithProcess();
      const answer = await h.api('POST', `/api/runs/${run.id}/terminate`, {
        token: h.tokens.operator,
        body: { then, reason: 'testing', grace_seconds: 5 },
      });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toEqual({ ok: true, run_id: run.id, task_id: task.id, terminated: true, signal: 'SIGTERM', stopped_by: 'signal' });
      await exited(child);
      expect(isAlive(pid)).toBe(false);
      expect((await h.store.getTask(task.id))?.status).toBe(status);
      const ended = await h.store.getRun(run.id);
      expect(ended?.outcome).toBe('terminated');
      const events = await h.store.listEvents({ run_id: run.id });
      expect(JSON.stringify(events)).toContain('testing');
      // The old worker learns it lost the task.
      const late = await h.api('POST', `/api/runs/${run.id}/heartbeat`, { token: h.tokens.worker, body: { claim_token: run.claim_token } });
      expect(late.status).toBe(409);
    });
  }

  it('terminate with {} or no body uses the defaults (requeue)', async () => {
    const { task, run, child } = await runWithProcess();
    const answer = await h.api('POST', `/api/runs/${run.id}/terminate`, { token: h.tokens.operator });
    expect(answer.status, answer.text).toBe(200);
    await exited(child);
    expect((await h.store.getTask(task.id))?.status).toBe('ready');
    const second = await runWithProcess();
    const withEmpty = await h.api('POST', `/api/runs/${second.run.id}/terminate`, { token: h.tokens.operator, body: {} });
    expect(withEmpty.status).toBe(200);
  });

  it('a process that ignores SIGTERM gets SIGKILL after the grace', async () => {
    const { run, child } = await runWithProcess({ command: [process.execPath, '-e', IGNORES_SIGTERM] });
    const answer = await h.api('POST', `/api/runs/${run.id}/terminate`, { body: { grace_seconds: 0.5 } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ terminated: true, signal: 'SIGKILL' });
    await exited(child);
  });

  it('terminate of an ended run is 409, of an unknown run 404, and needs an operator', async () => {
    const { run, child } = await runWithProcess();
    expect((await h.api('POST', `/api/runs/${run.id}/terminate`, { token: h.tokens.viewer })).status).toBe(403);
    expect((await h.api('POST', `/api/runs/${run.id}/terminate`, { body: { grace_seconds: 5 } })).status).toBe(200);
    await exited(child);
    const again = await h.api('POST', `/api/runs/${run.id}/terminate`);
    expect(again.status).toBe(409);
    expect(bodyOf(again).detail).toBe(`run ${run.id} already ended`);
    const unknown = await h.api('POST', '/api/runs/987654/terminate');
    expect(unknown.status).toBe(404);
  });

  it('a recycled pid (start time differs) is neither inspected nor signalled', async () => {
    const { task, run, pid } = await runWithProcess({ startedAtOffset: -1000 });
    const inspect = await h.api('GET', `/api/runs/${run.id}/inspect`, { token: h.tokens.viewer });
    expect(inspect.body).toEqual({ run_id: run.id, alive: false, reason: 'pid reused by another process', worker_origin: 'spawned' });
    const answer = await h.api('POST', `/api/runs/${run.id}/terminate`, { body: { grace_seconds: 1 } });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ terminated: false, signal: null });
    expect(isAlive(pid)).toBe(true);
    // The run is still closed and the task released: the stop is about the task, not the stranger's process.
    expect((await h.store.getTask(task.id))?.status).toBe('ready');
  });

  it('inspect of a live process returns its figures', async () => {
    const { run, pid } = await runWithProcess();
    // The pid is recorded as soon as the child is forked; until its exec has mapped the new program, it
    // truly has no resident memory (a loaded machine caught it there), so wait for that before reading figures.
    let answer: Answer | undefined;
    await waitFor(async () => {
      answer = await h.api('GET', `/api/runs/${run.id}/inspect`, { token: h.tokens.viewer });
      return answer.status !== 200 || (bodyOf<{ memory_rss_bytes?: number }>(answer).memory_rss_bytes ?? 0) > 0;
    }, 'the process to be mapped');
    expect(answer?.status).toBe(200);
    const look = bodyOf<Record<string, unknown>>(answer!);
    expect(look).toMatchObject({ run_id: run.id, alive: true, pid, host: h.hostname, cmdline: ['sleep', '30'] });
    expect(look.memory_rss_bytes).toBeGreaterThan(0);
    expect(look.num_threads).toBeGreaterThanOrEqual(1);
    expect(look.create_time).toBeCloseTo(readProcessStartTime(pid) as number, 1);
    expect(look).toHaveProperty('cpu_percent');
    expect(look).toHaveProperty('status');
  });

  it('inspect of a dead process, of a run without pid, of an ended run and of an unknown run', async () => {
    const { run, child } = await runWithProcess();
    child.kill('SIGKILL');
    await exited(child);
    await waitFor(() => !isAlive(child.pid), 'the child to be reaped');
    const dead = await h.api('GET', `/api/runs/${run.id}/inspect`);
    expect(dead.body).toEqual({ run_id: run.id, alive: false, reason: 'process not found', worker_origin: 'spawned' });

    await h.api('POST', '/api/tasks', { body: { title: 'no pid', board: 'nopid' } });
    const claimed = bodyOf<{ run: Run }>(
      await h.api('POST', '/api/claims', { token: h.tokens.worker, body: { worker: h.workerName, board: 'nopid' } }),
    );
    const noPid = await h.api('GET', `/api/runs/${claimed.run.id}/inspect`);
    expect(noPid.body).toEqual({ run_id: claimed.run.id, alive: false, reason: 'no worker_pid recorded', worker_origin: null });

    await h.api('POST', `/api/runs/${claimed.run.id}/complete`, {
      token: h.tokens.worker,
      body: { claim_token: claimed.run.claim_token, outcome: 'completed' },
    });
    const ended = await h.api('GET', `/api/runs/${claimed.run.id}/inspect`);
    expect(ended.body).toEqual({ run_id: claimed.run.id, alive: false, reason: 'run already ended', worker_origin: null });
    expect((await h.api('GET', '/api/runs/424242/inspect')).status).toBe(404);
  });

  it('a run on another host is inspected and terminated through its host agent over the bus', async () => {
    const { run, pid, child, task } = await runWithProcess({ host: 'far-away' });
    const unreachable = await h.api('GET', `/api/runs/${run.id}/inspect`);
    expect(unreachable.body).toEqual({ run_id: run.id, alive: false, reason: 'host far-away unreachable', worker_origin: 'spawned' });

    // The "far-away" agent happens to live in this process, so it can reach the child.
    const agent = serveHostAgent({
      bus: h.bus,
      hostname: 'far-away',
      inspector: new ProcInspector(),
      signaller: new ProcSignaller(),
      store: h.store,
      audit: storeSignalAudit(h.store, () => undefined),
    });
    try {
      const look = await h.api('GET', `/api/runs/${run.id}/inspect`);
      expect(look.body).toMatchObject({ run_id: run.id, alive: true, pid, host: 'far-away' });
      const answer = await h.api('POST', `/api/runs/${run.id}/terminate`, { body: { then: 'block', grace_seconds: 5 } });
      expect(answer.body).toMatchObject({ ok: true, terminated: true, signal: 'SIGTERM' });
      await exited(child);
      expect((await h.store.getTask(task.id))?.status).toBe('blocked');
    } finally {
      agent.close();
    }
  });

  it('terminate of a run on an unreachable host still fences and ends the run', async () => {
    const { run, pid, task } = await runWithProcess({ host: 'gone-host' });
    const answer = await h.api('POST', `/api/runs/${run.id}/terminate`, { body: { grace_seconds: 0 } });
    expect(answer.body).toMatchObject({ ok: true, terminated: false, signal: null });
    expect(isAlive(pid)).toBe(true);
    expect((await h.store.getRun(run.id))?.outcome).toBe('terminated');
    expect((await h.store.getTask(task.id))?.status).toBe('ready');
  });

  it('reclaim stops the holding run and requeues its task', async () => {
    const { task, run, child } = await runWithProcess();
    const answer = await h.api('POST', `/api/tasks/${task.id}/reclaim`, { token: h.tokens.operator, body: { reason: 'stuck' } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ ok: true, task_id: task.id });
    await exited(child);
    expect((await h.store.getRun(run.id))?.outcome).toBe('reclaimed');
    expect((await h.store.getTask(task.id))?.status).toBe('ready');
    const again = await h.api('POST', `/api/tasks/${task.id}/reclaim`, { token: h.tokens.operator });
    expect(again.status).toBe(409);
  });

  it('PATCH moving a running task stops its worker first', async () => {
    const { task, run, child } = await runWithProcess();
    const answer = await h.api('PATCH', `/api/tasks/${task.id}`, { token: h.tokens.operator, body: { status: 'blocked', priority: 7 } });
    expect(answer.status, answer.text).toBe(200);
    expect(bodyOf<{ task: Task }>(answer).task).toMatchObject({ status: 'blocked', priority: 7, current_run_id: null });
    await exited(child);
    expect((await h.store.getRun(run.id))?.outcome).toBe('terminated');
  });

  it('PATCH reassigning a running task stops its worker and requeues it for the new assignee', async () => {
    const { task, run, child } = await runWithProcess();
    const answer = await h.api('PATCH', `/api/tasks/${task.id}`, { body: { assignee: 'other-profile' } });
    expect(answer.status, answer.text).toBe(200);
    expect(bodyOf<{ task: Task }>(answer).task).toMatchObject({ status: 'ready', assignee: 'other-profile' });
    await exited(child);
    expect((await h.store.getRun(run.id))?.ended_at).not.toBeNull();
  });

  it('a PATCH that is invalid never stops the running worker', async () => {
    const { task, run, pid } = await runWithProcess();
    const answer = await h.api('PATCH', `/api/tasks/${task.id}`, { body: { status: 'blocked', title: '   ' } });
    expect(answer.status).toBe(400);
    expect(isAlive(pid)).toBe(true);
    expect((await h.store.getRun(run.id))?.ended_at).toBeNull();
  });
});
