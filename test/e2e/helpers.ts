import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPulseboard } from '../../src/server.js';
import type { Pulseboard } from '../../src/server.js';

/** By URL, because a child may run in a temporary folder where the bare name `tsx` resolves to nothing. */
export const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface E2eServer {
  server: Pulseboard;
  /** The working folder (config file, data folder); removed on close. */
  dir: string;
  /** A JSON request; `token` defaults to the admin token, null sends none. */
  api<T = Record<string, unknown>>(method: string, path: string, opts?: { token?: string | null; body?: unknown }): Promise<Answer<T>>;
  /** Issues a token over POST /api/tokens and returns its secret. */
  tokenFor(role: 'viewer' | 'worker' | 'operator' | 'admin', name: string): Promise<string>;
  close(): Promise<void>;
}

/** A real server on a free port, configured by a pulseboard.config.json in its own temporary folder. */
export async function startE2eServer(config: Record<string, unknown> = {}, opts: { dispatch?: boolean } = {}): Promise<E2eServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pb-e2e-'));
  writeFileSync(join(dir, 'pulseboard.config.json'), JSON.stringify(config));
  let server: Pulseboard;
  try {
    server = await startPulseboard({
      cwd: dir,
      env: { PULSEBOARD_HOME: join(dir, 'home') },
      port: 0,
      dispatch: opts.dispatch ?? false,
      log: () => {},
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const api = async <T>(method: string, path: string, o: { token?: string | null; body?: unknown } = {}): Promise<Answer<T>> => {
    const token = o.token === undefined ? server.token : o.token;
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
  };
  return {
    server,
    dir,
    api,
    async tokenFor(role, name) {
      const answer = await api<{ token: string }>('POST', '/api/tokens', { body: { role, name } });
      if (answer.status !== 201) throw new Error(`POST /api/tokens answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return answer.body.token;
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until check returns something other than undefined/false; the limit is generous for a loaded machine. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface FixtureProcess {
  child: ChildProcess;
  /** Everything the child printed so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL unless it already exited. */
  kill(): void;
}

/** Runs test/e2e/fixtures/<name> as a real Node process under tsx. */
export function spawnFixture(name: string, env: Record<string, string>): FixtureProcess {
  const script = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', TSX_LOADER, script], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
