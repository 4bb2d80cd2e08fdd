import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import type { Store } from '../../src/ports/store.js';
import { createClient } from '../../src/sdk/client.js';
import type { PulseboardClient } from '../../src/sdk/client.js';
import { httpTransport } from '../../src/sdk/http-transport.js';
import { JsonLineChild } from '../children/spawn.js';
import type { BenchSystem, JobHandler, JobPayload, SetupOptions, SystemFactory, WorkerPool } from './types.js';
import { createTasks, pendingTasks, startSdkWorkers } from './pulseboard-common.js';

interface ServerChild {
  child: JsonLineChild;
  url: string;
  token: string;
  /** The benchmark's own connection to the server's SQLite file, for bulk enqueueing and counting. */
  store: Store;
  client: PulseboardClient;
}

/**
 * Pulseboard's SDK worker in this process talking over HTTP (http transport) to a real server in a
 * process of its own, as a user runs them: the server is the broker here, as Redis or PostgreSQL are
 * for the peers. Tasks are created through a second connection to the server's SQLite file, so the
 * figure is the worker path over HTTP.
 */
class PulseboardHttpSystem implements BenchSystem {
  readonly name = 'pulseboard-http';
  private root: string | null = null;
  private server: ServerChild | null = null;
  private generation = 0;

  async setup(_opts: SetupOptions): Promise<void> {
    this.root = mkdtempSync(path.join(os.tmpdir(), 'pulseboard-bench-http-'));
    await this.clear();
  }

  /** A fresh server process and data folder per run. */
  async clear(): Promise<void> {
    if (!this.root) throw new Error('pulseboard-http: setup() first');
    await this.stopServer();
    const child = new JsonLineChild('./server-child.ts', [path.join(this.root, String(this.generation++))]);
    const ready = (await child.waitFor((e) => e.event === 'ready', 60_000)) as unknown as { url: string; token: string; home: string } | null;
    if (!ready) {
      await child.stop();
      throw new Error('pulseboard-http: the server process did not start');
    }
    const store = await openSqliteStore({ path: path.join(ready.home, 'pulseboard.db') });
    this.server = { child, url: ready.url, token: ready.token, store, client: createClient({ url: ready.url, token: ready.token }) };
  }

  enqueueBulk(payloads: readonly JobPayload[]): Promise<void> {
    return createTasks(this.requireServer().store, payloads);
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    // Through the API, so the server's idle claims hear of it at once (as from any other client).
    await this.requireServer().client.createTask({ title: String(payload.seq) });
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<WorkerPool> {
    const { url, token } = this.requireServer();
    return startSdkWorkers(httpTransport({ url, token }), concurrency, handler);
  }

  pending(): Promise<number> {
    return pendingTasks(this.requireServer().store);
  }

  async teardown(): Promise<void> {
    await this.stopServer();
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await server.store.close();
    await server.child.stop();
  }

  private requireServer(): ServerChild {
    if (!this.server) throw new Error('pulseboard-http: setup() first');
    return this.server;
  }
}

export const pulseboardHttp: SystemFactory = {
  name: 'pulseboard-http',
  description: 'Pulseboard SDK worker (defaults) over HTTP (http transport, admin token) to a server process on SQLite',
  create: () => new PulseboardHttpSystem(),
};
