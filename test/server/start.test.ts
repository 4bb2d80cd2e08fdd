import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localHostName, readProcessStartTime } from '../../src/adapters/process/proc-inspector.js';
import { boardEventsSubject } from '../../src/core/subjects.js';
import type { EventRow } from '../../src/core/types.js';
import { createClient } from '../../src/sdk/client.js';
import { startPulseboard } from '../../src/server.js';
import type { Pulseboard, StartOptions } from '../../src/server.js';
import { waitFor } from '../sdk/helpers.js';

let dir: string;
const running: Pulseboard[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pb-start-'));
});
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<{ server: Pulseboard; lines: string[] }> {
  const lines: string[] = [];
  const server = await startPulseboard({
    cwd: dir,
    env: { PULSEBOARD_HOME: 'home', ...env },
    port: 0,
    dispatch: false,
    log: (line) => lines.push(line),
    ...opts,
  });
  running.push(server);
  return { server, lines };
}

describe('startPulseboard', () => {
  it('writes an admin token on first start, names its file (never prints it), and answers /healthz', async () => {
    const { server, lines } = await start();
    const token = readFileSync(join(dir, 'home', 'token'), 'utf8').trim();
    expect(server.token).toBe(token);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.join('\n')).not.toContain(token);
    expect(lines.find((line) => line.startsWith('Pulseboard on'))).toContain(`admin token in ${join(dir, 'home', 'token')}`);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await createClient({ url: server.url, token }).listTasks()).toEqual([]);
  });

  it('reuses the token file on the next start, with the data kept', async () => {
    const first = await start();
    const task = await createClient({ url: first.server.url, token: first.server.token }).createTask({ title: 'kept' });
    await first.server.close();
    const second = await start();
    expect(second.server.token).toBe(first.server.token);
    const tasks = await createClient({ url: second.server.url, token: second.server.token }).listTasks();
    expect(tasks.map((t) => t.id)).toEqual([task.id]);
  });

  it('prints the URL with the token only when asked (serve --print-token)', async () => {
    const { server, lines } = await start({}, { printToken: true });
    expect(lines).toContain(`Pulseboard on ${server.url}/?token=${encodeURIComponent(server.token)}`);
  });

  it('uses PULSEBOARD_TOKEN instead of the file, and rejects other tokens', async () => {
    const secret = 'my-admin-secret-long-enough-2026';
    const { server, lines } = await start({ PULSEBOARD_TOKEN: secret });
    expect(server.token).toBe(secret);
    expect(lines.join('\n')).not.toContain(secret);
    const ok = await fetch(`${server.url}/api/tasks`, { headers: { authorization: `Bearer ${secret}` } });
    expect(ok.status).toBe(200);
    const wrong = await fetch(`${server.url}/api/tasks`, { headers: { authorization: 'Bearer not-it' } });
    expect(wrong.status).toBe(401);
  });

  it('refuses a short PULSEBOARD_TOKEN or token file at start, with a clear message', async () => {
    await expect(start({ PULSEBOARD_TOKEN: 'a' })).rejects.toThrow(/PULSEBOARD_TOKEN holds an admin token of 1 characters: it must have at least 24/);
    mkdirSync(join(dir, 'home'), { recursive: true });
    writeFileSync(join(dir, 'home', 'token'), 'short\n');
    await expect(start()).rejects.toThrow(/token holds an admin token of 5 characters/);
  });

  it('a replaced PULSEBOARD_TOKEN revokes the previous one; the token file keeps working', async () => {
    const fileToken = (await start()).server.token;
    for (const server of running.splice(0)) await server.close();
    const first = 'first-environment-secret-0001';
    const second = 'second-environment-secret-0002';
    const one = await start({ PULSEBOARD_TOKEN: first });
    await one.server.close();
    const two = await start({ PULSEBOARD_TOKEN: second });
    expect(two.lines.join('\n')).toContain('previous environment admin token is revoked');
    const status = async (token: string) =>
      (await fetch(`${two.server.url}/api/tasks`, { headers: { authorization: `Bearer ${token}` } })).status;
    expect(await status(first)).toBe(401);
    expect(await status(second)).toBe(200);
    expect(await status(fileToken)).toBe(200);
  });

  it('shows the configured workers and its own api row in the registry', async () => {
    writeFileSync(join(dir, 'pulseboard.config.json'), JSON.stringify({ workers: ['collector'], heartbeat_interval_seconds: 5 }));
    const { server } = await start();
    const client = createClient({ url: server.url, token: server.token });
    const view = await waitFor(async () => {
      const v = await client.workers();
      return v.workers.find((w) => w.name === 'api')?.status === 'ok' ? v : undefined;
    });
    expect(view.workers.find((w) => w.name === 'collector')?.status).toBe('unknown');
    expect(view.bus_connected).toBe(true);
  });

  it('refuses to start on an invalid configuration, naming file and key', async () => {
    writeFileSync(join(dir, 'pulseboard.config.json'), JSON.stringify({ workerz: [] }));
    await expect(start()).rejects.toThrow(/pulseboard\.config\.json[\s\S]*workerz: unknown key/);
  });

  it('publishes committed events on the bus', async () => {
    const { server } = await start();
    const events = server.bus.subscribe<EventRow>(boardEventsSubject('default'));
    const task = await createClient({ url: server.url, token: server.token }).createTask({ title: 'announce me' });
    const next = await events[Symbol.asyncIterator]().next();
    events.close();
    expect(next.value?.data).toMatchObject({ board: 'default', task_id: task.id });
  });

  it("terminates a reclaimed run's local process that a dispatcher recorded as its own", async () => {
    const { server } = await start();
    const victim = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const exited = new Promise<NodeJS.Signals | null>((resolve) => victim.once('exit', (_code, signal) => resolve(signal)));
      const pid = await waitFor(() => victim.pid !== undefined && readProcessStartTime(victim.pid) !== null && victim.pid);
      await server.store.createTask({ title: 'abandoned' });
      const claimed = await server.store.claim({ worker: 'victim', host: localHostName(), ttl_seconds: 0.2 });
      expect(claimed).not.toBeNull();
      // As the dispatcher records the child it spawned: the one kind of pid the server signals.
      await server.store.recordProcess(claimed!.run.id, { pid, worker_started_at: readProcessStartTime(pid), host: localHostName() });
      // Nobody heartbeats: the reaper reclaims the run and must stop its process.
      expect(await exited).toBe('SIGTERM');
      expect((await server.store.getRun(claimed!.run.id))?.outcome).toBe('reclaimed');
    } finally {
      if (victim.exitCode === null && victim.signalCode === null) victim.kill('SIGKILL');
    }
  });

  it('close() is idempotent and frees the port', async () => {
    const { server } = await start();
    await server.close();
    await server.close();
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
  });
});
