import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TSX_LOADER, waitFor } from './helpers.js';

const CLI = fileURLToPath(new URL('../../src/edges/cli/main.ts', import.meta.url));
const URL_LINE = /Pulseboard on (http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The environment of a fresh shell: nothing of the test run's own PULSEBOARD_* settings. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('PULSEBOARD_')) env[key] = value;
  }
  return env;
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('pulseboard serve as a real process, from a clean folder', () => {
  it('prints the URL with the admin token (--print-token), writes .pulseboard/token, answers /healthz, and exits 0 on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pb-serve-'));
    const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI, 'serve', '--port', '0', '--print-token'], {
      cwd,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(cwd, { recursive: true, force: true });
    });
    const exited = exitOf(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const [, url, encodedToken] = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`);
      return URL_LINE.exec(stdout) ?? undefined;
    }, 'the startup line', 20_000);
    const token = decodeURIComponent(encodedToken as string);

    const tokenFile = join(cwd, '.pulseboard', 'token');
    expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token);
    // The admin token is a secret: only its owner may read it.
    expect(statSync(tokenFile).mode & 0o077).toBe(0);
    expect(existsSync(join(cwd, '.pulseboard', 'pulseboard.db'))).toBe(true);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const tasks = await fetch(`${url}/api/tasks`, { headers: { authorization: `Bearer ${token}` } });
    expect(tasks.status).toBe(200);
    expect(await tasks.json()).toEqual({ tasks: [] });
    expect((await fetch(`${url}/api/tasks`)).status).toBe(401);

    child.kill('SIGTERM');
    const exit = await Promise.race([exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
    expect(exit, stderr).toEqual({ code: 0, signal: null });
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 30_000);
});
