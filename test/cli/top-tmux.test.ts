import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, waitFor } from '../sdk/helpers.js';
import type { TestServer } from '../sdk/helpers.js';
import { CLI, startCli, stopIfRunning, TSX } from './run-cli.js';
import type { CliProcess } from './run-cli.js';

const SESSION = `pbtop-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-t', SESSION, '-p');

let t: TestServer;
let cwd: string;
let worker: CliProcess;
beforeAll(async () => {
  t = await startTestServer();
  cwd = mkdtempSync(join(tmpdir(), 'pb-tmux-'));
}, 60_000);
afterAll(async () => {
  try {
    tmux('kill-session', '-t', SESSION);
  } catch {
    // already gone
  }
  if (worker) stopIfRunning(worker.child);
  await t?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

describe('pulseboard top in a real terminal (tmux 120x30)', { timeout: 300_000 }, () => {
  it('shows a live worker with its pid and CPU, t then y terminates it, q gives the prompt back', async () => {
    await t.client.createTask({ title: 'spin in tmux', board: 'tmux' });
    const env = { PULSEBOARD_URL: t.server.url, PULSEBOARD_TOKEN: t.server.token };
    // A short lease: the fenced worker hears of the stop on its next beat, a second later.
    worker = startCli(['worker', '--once', '--board', 'tmux', '--name', 'spinner', '--ttl', '3', '--', process.execPath, '-e', 'for (;;) {}'], env, cwd);
    const run = await waitFor(async () => (await t.client.activeRuns('tmux')).workers[0], 60_000, 'the run');
    const pid = String(worker.child.pid);

    tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '30', 'env', '-i', `PATH=${process.env['PATH'] ?? ''}`, 'TERM=xterm-256color', 'bash', '--norc', '--noprofile');
    tmux('send-keys', '-t', SESSION, "PS1='pb-prompt$ '", 'Enter');
    tmux('send-keys', '-t', SESSION, 'clear', 'Enter');
    // Keys typed before the shell shows its prompt are echoed ahead of it, and the screen compared at the
    // end would start with them (seen on a loaded machine): type the command once the cleared prompt is up.
    await waitFor(() => screen().trim() === 'pb-prompt$', 30_000, 'the cleared shell prompt');
    tmux('send-keys', '-t', SESSION, `PULSEBOARD_URL=${t.server.url} PULSEBOARD_TOKEN=${t.server.token} ${process.execPath} --import ${TSX} ${CLI} top --board tmux --interval 1`, 'Enter');

    const row = new RegExp(`^(OK|STUCK|LEASE|OVER)\\s+${run.run_id} spinner\\s+\\S+\\s+${pid} t_[0-9a-f]{8} spin in tmux\\s+\\d+\\.\\d\\s+\\d+[KMG]`, 'm');
    const live = await waitFor(() => (row.test(screen()) ? screen() : undefined), 90_000, 'the run row with pid and CPU');
    expect(live).toContain('pulseboard top');
    expect(live).toContain('RUNS 1');

    tmux('send-keys', '-t', SESSION, 't');
    await waitFor(() => screen().includes(`terminate run ${run.run_id} (worker spinner, pid ${pid} on `), 30_000, 'the y/N prompt');
    expect(screen()).toMatch(/\? \[y\/N\]/);
    tmux('send-keys', '-t', SESSION, 'y');
    await waitFor(() => screen().includes(`run ${run.run_id} terminated`), 30_000, 'the terminate answer');
    const finished = await worker.result;
    expect(finished.code).toBe(1);
    expect((await t.client.getRun(run.run_id)).outcome).toBe('terminated');

    tmux('send-keys', '-t', SESSION, 'q');
    const after = await waitFor(() => {
      const text = screen();
      return !text.includes('pulseboard top ') && /pb-prompt\$ \s*$/.test(text.trimEnd() + ' ') ? text : undefined;
    }, 30_000, 'the shell prompt back');
    // The main screen is as it was: the command line typed, then a fresh prompt, nothing of top's.
    const lines = after.split('\n').map((l) => l.trimEnd()).filter(Boolean);
    // The long command line wraps over several screen lines, and a wrap that falls on a space loses it
    // to trimEnd (where it falls depends on the checkout's path), so the words are compared without spaces.
    expect(lines.slice(0, -1).join('').replace(/\s+/g, '')).toMatch(/^pb-prompt\$PULSEBOARD_URL=.*top--boardtmux--interval1$/);
    expect(lines.at(-1)).toBe('pb-prompt$');
  });
});
