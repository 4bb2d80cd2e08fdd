import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow, Task } from '../../src/core/types.js';
import { startTestServer } from '../sdk/helpers.js';
import type { TestServer } from '../sdk/helpers.js';
import { CLI, runCli, TSX } from './run-cli.js';
import type { CliResult } from './run-cli.js';

let t: TestServer;
let cwd: string;
let env: Record<string, string>;
beforeAll(async () => {
  t = await startTestServer();
  cwd = mkdtempSync(join(tmpdir(), 'pb-verbs-'));
  env = { PULSEBOARD_URL: t.server.url, PULSEBOARD_TOKEN: t.server.token };
}, 60_000);
afterAll(async () => {
  await t?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, env, cwd);

function json<T>(result: CliResult): T {
  expect(result.stderr, result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** One line on stderr, starting with "pulseboard: ", and the exit code. */
function failure(result: CliResult, code: 1 | 2, message: string | RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  if (typeof message === 'string') expect(lines[0]).toBe(message);
  else expect(lines[0]).toMatch(message);
}

describe('every verb of the CLI against a real server', { timeout: 300_000 }, () => {
  it('task move, block, unblock, archive and comment, and board', async () => {
    const { task } = json<{ task: Task }>(await cli('task', 'add', 'movable', '--board', 'v-move', '--json'));
    expect(json<{ task: Task }>(await cli('task', 'block', task.id, '--reason', 'waiting for a key', '--json')).task.status).toBe('blocked');
    expect(json<{ task: Task }>(await cli('task', 'unblock', task.id, '--json')).task.status).toBe('ready');
    expect(json<{ task: Task }>(await cli('task', 'move', task.id, 'triage', '--json')).task.status).toBe('triage');
    const commented = json<{ comment: { body: string } }>(await cli('task', 'comment', task.id, 'looks fine', '--json'));
    expect(commented.comment.body).toBe('looks fine');
    expect(json<{ task: Task }>(await cli('task', 'archive', task.id, '--json')).task.status).toBe('archived');
    const shown = json<{ comments: { body: string }[] }>(await cli('task', 'show', task.id, '--json'));
    expect(shown.comments.map((c) => c.body)).toEqual(['waiting for a key', 'looks fine']);

    const other = await t.client.createTask({ title: 'on the board', board: 'v-move' });
    const board = json<{ columns: { name: string; tasks: Task[] }[] }>(await cli('board', '--board', 'v-move', '--json'));
    expect(board.columns.find((c) => c.name === 'ready')?.tasks.map((x) => x.id)).toEqual([other.id]);
    const text = await cli('board', '--board', 'v-move');
    expect(text.stdout).toMatch(new RegExp(`READY \\(1\\)\\nID\\s+PRI\\s+ASSIGNEE\\s+AGE\\s+TITLE\\n${other.id}\\s+0\\s+-\\s+\\d+s\\s+on the board`));
  });

  it('events lists the log as JSON and -f follows it live', async () => {
    const before = await t.client.createTask({ title: 'before', board: 'v-events' });
    const listed = json<{ events: EventRow[]; last_event_id: number }>(await cli('events', '--board', 'v-events', '--json'));
    expect(listed.events.map((e) => [e.kind, e.task_id])).toEqual([['task_created', before.id]]);

    const follower = spawn(process.execPath, ['--import', TSX, CLI, 'events', '-f', '--json', '--board', 'v-events', '--limit', '1'], {
      cwd,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      follower.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const lines = () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventRow);
      await until(() => lines().length >= 1, 'the last event first');
      const after = await t.client.createTask({ title: 'after', board: 'v-events' });
      await until(() => lines().some((e) => e.task_id === after.id), 'the new event, live');
      expect(lines().map((e) => e.task_id)).toEqual([before.id, after.id]);
    } finally {
      follower.kill('SIGINT');
    }
  });

  it('stop-worker, workers and completion scripts', async () => {
    expect(json<{ accepted: boolean; worker: string }>(await cli('stop-worker', 'api', '--json'))).toMatchObject({ accepted: true, worker: 'api' });
    failure(await cli('stop-worker', 'nobody'), 1, 'pulseboard: worker nobody is not known');
    const bash = await cli('completion', 'bash');
    expect(bash.code).toBe(0);
    expect(bash.stdout).toContain('complete -F _pulseboard pulseboard');
    expect(bash.stdout).toContain('"task") echo "add ls show edit move block unblock archive comment reclaim');
    expect((await cli('completion', 'zsh')).stdout).toContain('#compdef pulseboard');
    failure(await cli('completion', 'fish'), 2, 'pulseboard: no completion for "fish" (expected bash or zsh)');
  });

  it('--help on every verb shows an example', async () => {
    for (const verb of [['serve'], ['init'], ['board'], ['task', 'add'], ['task', 'ls'], ['task', 'move'], ['task', 'comment'], ['claim'], ['active'], ['workers'], ['stop-worker'], ['run', 'log'], ['run', 'terminate'], ['events'], ['token', 'create'], ['worker'], ['top'], ['completion']]) {
      const help = await cli(...verb, '--help');
      expect(help.code, verb.join(' ')).toBe(0);
      expect(help.stdout, verb.join(' ')).toMatch(new RegExp(`Examples?:\\n  \\$ [^\\n]*pulseboard ${verb[0]}`));
    }
    const serve = await cli('serve', '--help');
    for (const flag of ['--home', '--port', '--host', '--admin-token', '--database-url', '--nats-url', '--config']) expect(serve.stdout).toContain(flag);
  });

  it('exit 2 and one line for usage errors, naming what is wrong', async () => {
    failure(await cli('frobnicate'), 2, "pulseboard: unknown command 'frobnicate' (see pulseboard --help)");
    failure(await cli('task', 'ls', '--bogus'), 2, "pulseboard: unknown option '--bogus' (see pulseboard task ls --help)");
    failure(await cli('task', 'show'), 2, "pulseboard: missing required argument 'task-id' (see pulseboard task show --help)");
    failure(await cli('task', 'show', 'xyz'), 2, "pulseboard: task-id 'xyz': not a task id (expected t_ and 8 hex digits) (see pulseboard task show --help)");
    failure(await cli('run', 'show', 'abc'), 2, "pulseboard: run-id 'abc': not a run id (expected a positive integer) (see pulseboard run show --help)");
    failure(await cli('task', 'add', 'x', '--priority', 'high'), 2, /^pulseboard: option '--priority <n>' argument 'high' is invalid\. expected an integer/);
    failure(await runCli(['task', 'ls'], { ...env, PULSEBOARD_URL: 'ftp://x' }, cwd), 2, 'pulseboard: not an http(s) URL: "ftp://x"');
    const bare = await cli('task');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: pulseboard task');
  });

  it('exit 1 and one line when the request fails', async () => {
    failure(await cli('run', 'show', '999999'), 1, 'pulseboard: run 999999 not found');
    failure(await cli('task', 'show', 't_00000000'), 1, 'pulseboard: task t_00000000 not found');
    failure(await runCli(['active'], { ...env, PULSEBOARD_TOKEN: 'wrong' }, cwd), 1, /^pulseboard: .*token/i);
    const done = await t.client.createTask({ title: 'x', board: 'v-conflict' });
    failure(await cli('task', 'reclaim', done.id), 1, /^pulseboard: .*/);
  });

  it('global flags work after the verb, and a local server is found from PULSEBOARD_PORT and PULSEBOARD_HOME', async () => {
    const port = new URL(t.server.url).port;
    const flagsAfter = await runCli(['task', 'ls', '--board', 'v-none', '--url', t.server.url, '--token', t.server.token, '--json'], {}, cwd);
    expect(json<{ tasks: Task[] }>(flagsAfter).tasks).toEqual([]);
    const flagsBefore = await runCli(['--url', t.server.url, '--token', t.server.token, 'workers', '--json'], {}, cwd);
    expect(json<{ workers: unknown[] }>(flagsBefore).workers.length).toBeGreaterThan(0);
    // No URL and no token given: the port and data folder the server itself reads.
    const fromEnv = await runCli(['active', '--board', 'v-none', '--json'], { PULSEBOARD_PORT: port, PULSEBOARD_HOME: t.home }, cwd);
    expect(json<{ count: number }>(fromEnv).count).toBe(0);
  });

  it('a closed pipe ends the output quietly', async () => {
    for (let i = 0; i < 30; i++) await t.client.createTask({ title: `row ${i} ${'x'.repeat(200)}`, board: 'v-pipe' });
    const result = await new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, ['--import', TSX, CLI, 'task', 'ls', '--board', 'v-pipe', '--json'], {
        cwd,
        env: { PATH: process.env['PATH'] ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      // Like `| head -1`: read one chunk, then close the pipe.
      child.stdout.once('data', () => child.stdout.destroy());
      child.once('close', (code) => resolve({ code, stdout: '', stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('tables fit the terminal width; colour never without a TTY or with NO_COLOR', async () => {
    await t.client.createTask({ title: `a very long title ${'y'.repeat(150)}`, board: 'v-width' });
    const narrow = await runCli(['task', 'ls', '--board', 'v-width'], { ...env, COLUMNS: '60' }, cwd);
    expect(narrow.code).toBe(0);
    for (const line of narrow.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(narrow.stdout).toContain('…');
    expect(narrow.stdout).not.toContain('\x1b[');
  });

  it('worker --once says it waits, gives up after --wait, and reports a command that cannot start', async () => {
    const waited = await cli('worker', '--once', '--wait', '1', '--board', 'v-empty', '--', '/bin/true');
    expect(waited.code).toBe(1);
    expect(waited.stderr).toContain('waiting for a ready task (board v-empty, unassigned tasks), up to 1 s');
    expect(waited.stderr).toContain('nothing ready after 1 s; giving up');
    expect(waited.stderr.match(/not in the registry/g) ?? []).toHaveLength(1);

    const task = await t.client.createTask({ title: 'no such command', board: 'v-spawn', max_attempts: 1 });
    const missing = await cli('worker', '--once', '--board', 'v-spawn', '--', '/no/such/cmd');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot start /no/such/cmd: spawn /no/such/cmd ENOENT');
    expect((await t.client.getTask(task.id)).runs[0]?.error).toContain('cannot start /no/such/cmd');
  });
});

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
