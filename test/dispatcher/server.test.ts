import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localHostName, ProcInspector } from '../../src/adapters/process/proc-inspector.js';
import { ProcSignaller } from '../../src/adapters/process/signaller.js';
import type { Run } from '../../src/core/types.js';
import type { Store } from '../../src/ports/store.js';
import { startPulseboard } from '../../src/server.js';
import type { Pulseboard } from '../../src/server.js';
import { Dispatcher } from '../../src/services/dispatcher/dispatcher.js';
import { VANISHED_WHILE_DOWN } from '../../src/services/dispatcher/exit-outcome.js';
import { fixtureCommand, isAlive, waitFor } from './harness.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('dispatcher inside the server: restart with workers alive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pb-dispatch-server-'));
  const home = join(dir, 'home');
  const goFile = join(dir, 'go');
  const env = { PULSEBOARD_HOME: home, PULSEBOARD_PORT: '0' };
  const workerPids = new Set<number>();
  let first: Pulseboard | undefined;
  let server: Pulseboard | undefined;
  let store: Store;

  beforeAll(async () => {
    env.PULSEBOARD_PORT = String(await freePort());
    writeFileSync(
      join(dir, 'pulseboard.config.json'),
      JSON.stringify({
        profiles: {
          finisher: { command: fixtureCommand('complete-when-told.mjs'), env: { GO_FILE: goFile } },
          sleepy: { command: fixtureCommand('sleeper.mjs') },
        },
      }),
    );
  });

  afterAll(async () => {
    await first?.close();
    await server?.close();
    for (const pid of workerPids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function runOf(taskId: string, test: (run: Run) => boolean, what: string): Promise<Run> {
    let found: Run | undefined;
    await waitFor(async () => {
      found = (await store.listRuns(taskId)).find(test);
      if (found?.worker_pid) workerPids.add(found.worker_pid);
      return found !== undefined;
    }, what, 15_000);
    return found as Run;
  }

  it('adopts a live worker that then completes over HTTP, and closes one that died while the server was down', async () => {
    // The first server runs without its own dispatcher: the test drives one on its store so that it can
    // leave its workers behind, as a server that went away would.
    first = await startPulseboard({ cwd: dir, env: { ...process.env, ...env }, dispatch: false, log: () => {} });
    store = first.store;
    const dispatcher = new Dispatcher({
      store,
      signaller: new ProcSignaller(),
      inspector: new ProcInspector(),
      hostname: localHostName(),
      profiles: first.config.profiles,
      maxConcurrentRuns: 4,
      apiUrl: first.url,
      logDir: join(home, 'logs'),
    });
    await dispatcher.start();
    const finishing = await store.createTask({ title: 'finish after restart', assignee: 'finisher' });
    const dying = await store.createTask({ title: 'die while down', assignee: 'sleepy', max_attempts: 3 });
    const finisherRun = await runOf(finishing.id, (r) => r.worker_pid !== null, 'finisher worker');
    const sleeperRun = await runOf(dying.id, (r) => r.worker_pid !== null, 'sleeper worker');

    await dispatcher.stop({ leaveChildren: true });
    await first.close();
    first = undefined;
    expect(isAlive(finisherRun.worker_pid as number)).toBe(true);
    process.kill(sleeperRun.worker_pid as number, 'SIGKILL');
    await waitFor(() => !isAlive(sleeperRun.worker_pid as number), 'the sleeper to die');

    server = await startPulseboard({ cwd: dir, env: { ...process.env, ...env }, log: () => {} });
    store = server.store;
    expect(await store.getRun(sleeperRun.id)).toMatchObject({ outcome: 'crashed', error: VANISHED_WHILE_DOWN });
    await runOf(dying.id, (r) => r.id !== sleeperRun.id && r.worker_pid !== null, 'the dead worker’s task re-run');

    writeFileSync(goFile, '');
    await waitFor(async () => (await store.getRun(finisherRun.id))?.ended_at !== null, 'the adopted run to end', 15_000);
    const ended = await store.getRun(finisherRun.id);
    expect(ended).toMatchObject({ outcome: 'completed', summary: `done by ${finisherRun.worker_pid}` });
    // Its own heartbeat (per-run token, no progress value) counted as progress.
    expect(ended?.last_progress_at).not.toBeNull();
    expect((await store.getTask(finishing.id))?.status).toBe('done');
    expect(await store.listRuns(finishing.id)).toHaveLength(1);
    await waitFor(() => !isAlive(finisherRun.worker_pid as number), 'the finisher to exit');

    // Its log, through the API.
    const api = (path: string) => fetch(`${server?.url}${path}`, { headers: { authorization: `Bearer ${server?.token}` } });
    const log = await api(`/api/runs/${finisherRun.id}/log?tail=2`);
    expect(log.status).toBe(200);
    expect(await log.json()).toEqual({
      run_id: finisherRun.id,
      lines: [`/api/runs/${finisherRun.id}/heartbeat -> 200`, `/api/runs/${finisherRun.id}/complete -> 200`],
      truncated: true,
    });
    const whole = (await (await api(`/api/runs/${finisherRun.id}/log`)).json()) as { lines: string[]; truncated: boolean };
    expect(whole.lines[0]).toBe(`started pid=${finisherRun.worker_pid} run=${finisherRun.id}`);
    expect(whole.truncated).toBe(false);
    expect((await api('/api/runs/999999/log')).status).toBe(404);
    // A run some other worker claimed has no log here.
    const external = await store.createTask({ title: 'claimed by hand' });
    const claimed = await store.claim({ worker: 'by-hand', host: 'elsewhere', ttl_seconds: 30 });
    expect(claimed?.task.id).toBe(external.id);
    const noLog = await api(`/api/runs/${claimed?.run.id}/log`);
    expect(noLog.status).toBe(404);
    expect(await noLog.json()).toEqual({ detail: `run ${claimed?.run.id} has no log` });
    expect((await api(`/api/runs/${finisherRun.id}/log?tail=5001`)).status).toBe(400);
    expect((await api(`/api/runs/${finisherRun.id}/log?tail=-1`)).status).toBe(400);
    expect((await fetch(`${server.url}/api/runs/${finisherRun.id}/log`)).status).toBe(401);
  });
});
