import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import type { EventRow, Task } from '../../src/core/types.js';
import { createClient } from '../../src/sdk/client.js';
import { waitFor } from '../sdk/helpers.js';
import { CLI, runCli, startCli, stopIfRunning, TSX } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-init-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) stopIfRunning(child);
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `pulseboard serve` in the folder, as a user starts it; resolves once it listens. */
async function serve(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve'], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${output}`);
    return /Pulseboard on http/.test(output);
  }, 60_000, 'serve to listen');
  return { child, output: () => output };
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('pulseboard init, then serve with the generated config', { timeout: 300_000 }, () => {
  it('writes a commented config and an example worker, prints the next two commands, refuses to overwrite', async () => {
    const first = await runCli(['init'], {}, dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('npx pulseboard serve');
    expect(first.stdout).toContain('npx pulseboard task add "hello world" --assignee example');
    const config = readFileSync(join(dir, 'pulseboard.config.json'), 'utf8');
    expect(config).toMatch(/^\/\/ /);
    expect(config).toContain('"command": ["node", "example-worker.mjs"]');
    const again = await runCli(['init'], {}, dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`pulseboard: ${join(dir, 'pulseboard.config.json')} already exists; pulseboard init does not overwrite\n`);
    expect(readFileSync(join(dir, 'pulseboard.config.json'), 'utf8')).toBe(config);
  });

  it('serve runs the example worker to completion; run log -f prints its output and ends with the run', async () => {
    const port = await freePort();
    const env = { PULSEBOARD_PORT: String(port) };
    const server = await serve(env);
    try {
      // The CLI finds the server from the same PULSEBOARD_PORT and ./.pulseboard/token.
      const added = await runCli(['task', 'add', 'hello world', '--assignee', 'example', '--json'], env, dir);
      expect(added.code, added.stderr).toBe(0);
      const { task } = JSON.parse(added.stdout) as { task: Task };
      const client = createClient({ url: `http://127.0.0.1:${port}`, token: readFileSync(join(dir, '.pulseboard', 'token'), 'utf8').trim() });
      const done = await waitFor(async () => {
        const detail = await client.getTask(task.id);
        return detail.task.status === 'done' ? detail : undefined;
      }, 120_000, 'the example worker to complete the task');
      expect(done.task.result).toEqual({ words: 2 });
      expect(done.runs.map((r) => r.outcome)).toEqual(['completed']);
      expect(done.events.filter((e) => e.kind === 'progress')).toHaveLength(3);

      const runId = String(done.runs[0]?.id);
      const log = await runCli(['run', 'log', runId, '-f'], env, dir);
      expect(log.code, log.stderr).toBe(0);
      expect(log.stdout).toContain(`run ${runId}: working on "hello world"`);
    } finally {
      await stopped(server.child);
    }
  });

  it("a profile's max_attempts bounds the runs of its tasks; a script exiting non-zero fails each", async () => {
    writeFileSync(join(dir, 'fail.mjs'), 'console.log("failing on purpose"); process.exit(3);\n');
    writeFileSync(
      join(dir, 'two-tries.json'),
      `// a profile that gives up after two runs\n{ "profiles": { "flaky": { "command": ["node", "fail.mjs"], "max_attempts": 2 } } }\n`,
    );
    const port = await freePort();
    const env = { PULSEBOARD_PORT: String(port), PULSEBOARD_CONFIG: 'two-tries.json', PULSEBOARD_HOME: join(dir, 'home-flaky') };
    const server = await serve(env);
    try {
      const added = JSON.parse((await runCli(['task', 'add', 'flaky', '--assignee', 'flaky', '--json'], env, dir)).stdout) as { task: Task };
      expect(added.task.max_attempts).toBe(2);
      const client = createClient({ url: `http://127.0.0.1:${port}`, token: readFileSync(join(dir, 'home-flaky', 'token'), 'utf8').trim() });
      const blocked = await waitFor(async () => {
        const detail = await client.getTask(added.task.id);
        return detail.task.status === 'blocked' ? detail : undefined;
      }, 120_000, 'the task to give up');
      expect(blocked.runs.map((r) => r.outcome)).toEqual(['failed', 'gave_up']);
      expect(blocked.task.attempts).toBe(2);
      expect(blocked.runs[0]).toMatchObject({ exit_code: 3, error: 'worker exited with code 3' });
    } finally {
      await stopped(server.child);
    }
  });

  it('events -f resumes after the server restarts, without a gap or a repeat', async () => {
    const port = await freePort();
    const env = { PULSEBOARD_PORT: String(port), PULSEBOARD_HOME: join(dir, 'home-events') };
    let server = await serve(env);
    const follower = startCli(['events', '-f', '--json', '--board', 'restart'], env, dir);
    children.push(follower.child);
    let err = '';
    follower.child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    onTestFailed(() => console.error(`events -f stderr: ${err}`));
    let out = '';
    follower.child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const seen = () => out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as EventRow);
    try {
      await runCli(['task', 'add', 'one', '--board', 'restart'], env, dir);
      await waitFor(() => seen().length === 1, 60_000, 'the first event');
      await stopped(server.child);
      await runCli(['task', 'add', 'offline'], env, dir).then((r) => expect(r.code).toBe(1));
      server = await serve(env);
      await runCli(['task', 'add', 'two', '--board', 'restart'], env, dir);
      await waitFor(() => {
        if (follower.child.exitCode !== null) throw new Error(`events -f ended: ${follower.child.exitCode}`);
        return seen().length === 2;
      }, 120_000, 'the event after the restart');
      const rows = seen();
      expect(rows.map((e) => e.kind)).toEqual(['task_created', 'task_created']);
      expect(rows[1]!.id).toBeGreaterThan(rows[0]!.id);
    } finally {
      follower.child.kill('SIGINT');
      await stopped(server.child);
    }
    const result = await follower.result;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('event stream lost');
    expect(result.stderr).toContain('event stream back, nothing missed');
  });
});
