import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPulseboard } from '../../src/server.js';
import type { Pulseboard } from '../../src/server.js';
import { createClient } from '../../src/sdk/client.js';
import type { PulseboardClient } from '../../src/sdk/client.js';

export interface TestServer {
  server: Pulseboard;
  client: PulseboardClient;
  home: string;
  close(): Promise<void>;
}

/** A real server on a free port with its own data folder; `files` are written into the working folder first. */
export async function startTestServer(env: Record<string, string> = {}, files: Record<string, string> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'pb-server-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const server = await startPulseboard({
    cwd: dir,
    env: { PULSEBOARD_HOME: join(dir, 'home'), ...env },
    port: 0,
    dispatch: false,
    log: () => {},
  });
  return {
    server,
    client: createClient({ url: server.url, token: server.token }),
    home: join(dir, 'home'),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until check returns a value that is not undefined/false; generous limit for loaded machines. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves when the signal aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/**
 * Plain node:http servers a test starts for one route each: `serve` starts one on a free loopback port
 * and answers its URL; `closeAll` (in afterEach) drops their open streams and closes them.
 */
export function plainServers(): { serve(handler: http.RequestListener): Promise<string>; closeAll(): Promise<void> } {
  const servers: http.Server[] = [];
  return {
    async serve(handler) {
      const server = http.createServer(handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async closeAll() {
      for (const server of servers.splice(0)) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}
