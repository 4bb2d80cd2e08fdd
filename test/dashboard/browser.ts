import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/pulseboard.js', import.meta.url));
const BUILT_PAGE = fileURLToPath(new URL('../../dist/dashboard/index.html', import.meta.url));

/**
 * Why the browser tests cannot run here, or null when they can. Under CI a missing Chromium is a
 * failure (the tests throw), elsewhere a skip that says why.
 */
export function browserUnavailable(): string | null {
  if (!existsSync(CHROMIUM)) return `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
  if (!existsSync(BUILT_PAGE)) return 'the dashboard is not built (npm run build)';
  return null;
}

export async function launchBrowser(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** `pulseboard serve` as users start it: the package's bin, its own data folder and configuration. */
export class ServedPulseboard {
  readonly dir: string;
  readonly home: string;
  readonly url: string;
  private child: ChildProcess | null = null;
  output = '';

  constructor(
    readonly port: number,
    readonly adminToken: string,
    config: Record<string, unknown>,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'pb-dash-'));
    this.home = join(this.dir, 'home');
    this.url = `http://127.0.0.1:${port}`;
    writeFileSync(join(this.dir, 'pulseboard.config.json'), JSON.stringify(config));
  }

  /** The server process's pid while it runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(this.port)], {
      cwd: this.dir,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', PULSEBOARD_HOME: this.home, PULSEBOARD_TOKEN: this.adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (!this.output.includes('Pulseboard on ')) {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${this.output}`);
      if (Date.now() > deadline) throw new Error(`serve did not start: ${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM, as a person's Ctrl-C or a service manager stops it, and wait for the exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  async api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token = this.adminToken): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}

export async function until<T>(check: () => Promise<T | undefined | false | null> | T | undefined | false | null, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
