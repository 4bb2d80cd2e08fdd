import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task } from '../../src/core/types.js';
import { startTestServer, waitFor } from '../sdk/helpers.js';
import type { TestServer } from '../sdk/helpers.js';
import { runCli, startCli, stopIfRunning } from './run-cli.js';

let t: TestServer;
let cwd: string;
let env: Record<string, string>;
beforeAll(async () => {
  t = await startTestServer();
  cwd = mkdtempSync(join(tmpdir(), 'pb-cli-'));
  env = { PULSEBOARD_URL: t.server.url, PULSEBOARD_TOKEN: t.server.token };
});
afterAll(async () => {
  await t?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, env, cwd);

function json<T>(result: { code: number | null; stdout: string; stderr: string }): T {
  expect(result.stderr, result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

// Every step starts a real CLI process under tsx; on a loaded two-core machine each can take seconds.
describe('pulseboard CLI against a real server', { timeout: 180_000 }, () => {
  it('task add, ls --json, show --json and the human table', async () => {
    const added = json<{ task: Task }>(await cli('task', 'add', 'write docs', '--body', 'all of them', '--priority', '5', '--board', 'cli-a', '--json'));
    expect(added.task).toMatchObject({ title: 'write docs', body: 'all of them', priority: 5, status: 'ready', board: 'cli-a' });

    const listed = json<{ tasks: Task[] }>(await cli('task', 'ls', '--board', 'cli-a', '--json'));
    expect(listed.tasks.map((task) => task.id)).toEqual([added.task.id]);

    const shown = json<{ task: Task; runs: unknown[] }>(await cli('task', 'show', added.task.id, '--json'));
    expect(shown.task.id).toBe(added.task.id);
    expect(shown.runs).toEqual([]);

    const table = await cli('task', 'ls', '--board', 'cli-a');
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+PRI\s+ASSIGNEE\s+BOARD\s+AGE\s+TITLE$/);
    expect(row).toMatch(new RegExp(`^${added.task.id}\\s+ready\\s+5\\s+-\\s+cli-a\\s+\\d+s\\s+write docs$`));

    const edited = json<{ task: Task }>(await cli('task', 'edit', added.task.id, '--status', 'blocked', '--json'));
    expect(edited.task.status).toBe('blocked');
  });

  it('prints the server detail and exits 1 on an API error', async () => {
    const missing = await cli('task', 'show', 't_00000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^pulseboard: .*t_00000000.*not found/);
    const badToken = await runCli(['task', 'ls'], { ...env, PULSEBOARD_TOKEN: 'wrong' }, cwd);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/^pulseboard: /);
    const unreachable = await runCli(['workers'], { ...env, PULSEBOARD_URL: 'http://127.0.0.1:9' }, cwd);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe('pulseboard: cannot reach http://127.0.0.1:9: connection refused — is pulseboard serve running?\n');
  });

  it('workers and active, as JSON', async () => {
    const registry = json<{ workers: { name: string }[]; bus_connected: boolean }>(await cli('workers', '--json'));
    expect(registry.workers.map((w) => w.name)).toContain('api');
    const active = json<{ workers: unknown[]; count: number }>(await cli('active', '--board', 'cli-nothing', '--json'));
    expect(active).toMatchObject({ workers: [], count: 0 });
  });

  it('worker --once runs the command with the task in its environment and completes the task', async () => {
    const { task } = await t.client.createTask({ title: 'hello', body: 'world', board: 'cli-ok' }).then((task) => ({ task }));
    const check =
      "const e = process.env; process.exit(e.PULSEBOARD_TASK_TITLE === 'hello' && e.PULSEBOARD_TASK_BODY === 'world' && " +
      "e.PULSEBOARD_TASK_ID && e.PULSEBOARD_RUN_ID && e.PULSEBOARD_CLAIM_TOKEN && e.PULSEBOARD_URL && e.PULSEBOARD_TOKEN ? 0 : 7)";
    const result = await cli('worker', '--once', '--board', 'cli-ok', '--', process.execPath, '-e', check);
    expect(result.code, result.stderr).toBe(0);
    const detail = await t.client.getTask(task.id);
    expect(detail.task.status).toBe('done');
    expect(detail.task.result).toEqual({ exit_code: 0 });
  });

  it('worker --once marks the run failed with the exit code of a failing command', async () => {
    const task = await t.client.createTask({ title: 'fails', board: 'cli-fail', max_attempts: 3 });
    const result = await cli('worker', '--once', '--board', 'cli-fail', '--', process.execPath, '-e', 'process.exit(3)');
    expect(result.code).toBe(1);
    const detail = await t.client.getTask(task.id);
    expect(detail.runs[0]).toMatchObject({ outcome: 'failed' });
    expect(detail.runs[0]?.error).toContain('exit code 3');
  });

  it('worker leaves the report to a command that completed its run itself', async () => {
    const task = await t.client.createTask({ title: 'self-report', board: 'cli-self' });
    const selfReport =
      'const e = process.env; fetch(e.PULSEBOARD_URL + "/api/runs/" + e.PULSEBOARD_RUN_ID + "/complete", { method: "POST", ' +
      'headers: { authorization: "Bearer " + e.PULSEBOARD_TOKEN, "content-type": "application/json" }, ' +
      'body: JSON.stringify({ claim_token: e.PULSEBOARD_CLAIM_TOKEN, outcome: "completed", result: { by: "child" } }) })' +
      '.then((r) => process.exit(r.ok ? 0 : 9))';
    const result = await cli('worker', '--once', '--board', 'cli-self', '--', process.execPath, '-e', selfReport);
    expect(result.stderr).toContain('command ended (exit code 0)');
    const detail = await t.client.getTask(task.id);
    expect(detail.task.status).toBe('done');
    expect(detail.task.result).toEqual({ by: 'child' });
  });

  it('run terminate stops a wrapped command and its worker', async () => {
    const task = await t.client.createTask({ title: 'forever', board: 'cli-term' });
    const pidFile = join(cwd, 'child.pid');
    const forever = 'require("fs").writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000)';
    const worker = startCli(['worker', '--once', '--board', 'cli-term', '--', process.execPath, '-e', forever, pidFile], env, cwd);
    try {
      const run = await waitFor(async () => (await t.client.activeRuns('cli-term')).workers[0], 60_000, 'the run');
      const childPid = await waitFor(() => {
        try {
          return Number(readFileSync(pidFile, 'utf8'));
        } catch {
          return undefined;
        }
      }, 60_000, 'the command to start');
      const shown = json<{ run: { id: number; worker_pid: number; outcome: null } }>(await cli('run', 'show', String(run.run_id), '--json'));
      expect(shown.run).toMatchObject({ id: run.run_id, worker_pid: worker.child.pid, outcome: null });
      expect(JSON.stringify(shown)).not.toContain('claim_token');
      const look = json<{ alive: boolean; pid: number }>(await cli('run', 'inspect', String(run.run_id), '--json'));
      expect(look).toMatchObject({ alive: true, pid: worker.child.pid });

      const answer = json<{ ok: boolean; run_id: number }>(await cli('run', 'terminate', String(run.run_id), '--grace', '5', '--json'));
      expect(answer).toMatchObject({ ok: true, run_id: run.run_id });
      const finished = await worker.result;
      expect(finished.code).toBe(1);
      expect((await t.client.getRun(run.run_id)).outcome).toBe('terminated');
      expect((await t.client.getTask(task.id)).task.status).toBe('ready');
      await waitFor(() => !isAlive(childPid), 30_000, 'the command to be gone');
    } finally {
      stopIfRunning(worker.child);
    }
  });

  it('token create, ls and revoke', async () => {
    const created = json<{ token: string; id: string; role: string; name: string }>(await cli('token', 'create', 'worker', 'cli-bot', '--json'));
    expect(created).toMatchObject({ role: 'worker', name: 'cli-bot' });
    const listed = json<{ tokens: { id: string }[] }>(await cli('token', 'ls', '--json'));
    expect(listed.tokens.map((tok) => tok.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    const revoked = await cli('token', 'revoke', created.id);
    expect(revoked.code).toBe(0);
    const after = json<{ tokens: { id: string }[] }>(await cli('token', 'ls', '--json'));
    expect(after.tokens.map((tok) => tok.id)).not.toContain(created.id);
  });

  it('claim --json hands out the run with its claim token', async () => {
    const task = await t.client.createTask({ title: 'by hand', board: 'cli-claim' });
    const claimed = json<{ task: Task; run: { id: number; claim_token: string } }>(
      await cli('claim', '--worker', 'person', '--board', 'cli-claim', '--json'),
    );
    expect(claimed.task.id).toBe(task.id);
    expect(claimed.run.claim_token.length).toBeGreaterThan(0);
    expect(json<null>(await cli('claim', '--board', 'cli-claim', '--json'))).toBeNull();
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
