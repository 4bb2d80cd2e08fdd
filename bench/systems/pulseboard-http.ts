import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { httpTransport } from '../../src/sdk/http-transport.js';
import type { Pulseboard } from '../../src/server.js';
import type { BenchSystem, JobHandler, JobPayload, SetupOptions, SystemFactory, WorkerPool } from './types.js';
import { createTasks, pendingTasks, startSdkWorkers } from './pulseboard-common.js';
import { startBenchServer } from '../pulseboard-server.js';

/**
 * Pulseboard's SDK worker talking to a real server (SQLite store) over HTTP with the http transport.
 * Tasks are created through the server's store in-process: the figure is the worker path over HTTP.
 */
class PulseboardHttpSystem implements BenchSystem {
  readonly name = 'pulseboard-http';
  private root: string | null = null;
  private server: Pulseboard | null = null;
  private generation = 0;

  async setup(_opts: SetupOptions): Promise<void> {
    this.root = mkdtempSync(path.join(os.tmpdir(), 'pulseboard-bench-http-'));
    await this.clear();
  }

  /** A fresh server and data folder per run. */
  async clear(): Promise<void> {
    if (!this.root) throw new Error('pulseboard-http: setup() first');
    await this.server?.close();
    this.server = await startBenchServer({ dir: path.join(this.root, String(this.generation++)) });
  }

  enqueueBulk(payloads: readonly JobPayload[]): Promise<void> {
    return createTasks(this.requireServer().store, payloads);
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.requireServer().store.createTask({ title: String(payload.seq) });
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<WorkerPool> {
    const { url, token } = this.requireServer();
    return startSdkWorkers(httpTransport({ url, token }), concurrency, handler);
  }

  pending(): Promise<number> {
    return pendingTasks(this.requireServer().store);
  }

  async teardown(): Promise<void> {
    await this.server?.close();
    this.server = null;
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }

  private requireServer(): Pulseboard {
    if (!this.server) throw new Error('pulseboard-http: setup() first');
    return this.server;
  }
}

export const pulseboardHttp: SystemFactory = {
  name: 'pulseboard-http',
  description: 'Pulseboard SDK worker (defaults) over HTTP (http transport, admin token) to a local server on SQLite',
  create: () => new PulseboardHttpSystem(),
};
