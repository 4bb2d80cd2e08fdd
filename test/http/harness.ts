import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createMemoryBus } from '../../src/adapters/bus/memory.js';
import { localHostName, ProcInspector } from '../../src/adapters/process/proc-inspector.js';
import { ProcSignaller } from '../../src/adapters/process/signaller.js';
import { openSqliteStore } from '../../src/adapters/store/sqlite/index.js';
import type { Role } from '../../src/core/types.js';
import type { Bus } from '../../src/ports/bus.js';
import { systemClock } from '../../src/ports/clock.js';
import type { Store } from '../../src/ports/store.js';
import { createApiServer } from '../../src/edges/http/app.js';
import type { ApiDeps } from '../../src/edges/http/app.js';
import { Registry } from '../../src/services/registry.js';
import { storeSignalAudit } from '../../src/services/signal-audit.js';
import { ensureAdminToken, issueToken } from '../../src/services/tokens.js';

export const ADMIN_SECRET = 'pb_test-admin-secret-of-32-chars';

export interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is, for malformed bodies. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface Harness {
  app: FastifyInstance;
  base: string;
  store: Store;
  bus: Bus;
  registry: Registry;
  hostname: string;
  tokens: Record<Exclude<Role, 'worker'>, string> & { worker: string };
  /** Name the worker token speaks for. */
  workerName: string;
  api(method: string, path: string, opts?: RequestOptions): Promise<Answer>;
  tokenFor(role: Role, name: string, runId?: number): Promise<string>;
  dbPath: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  known?: string[];
  graceSeconds?: number;
  /** Share another server's database file (left in place on close). */
  dbPath?: string;
  /** Share another server's bus (left open on close). */
  bus?: Bus;
  /** Settings beyond the harness defaults (timeouts, limits). */
  settings?: Partial<ApiDeps['settings']>;
}

/** A real server: SQLite file in a temp dir, in-process bus, registry, /proc inspector and signaller, port 0. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'pulseboard-http-'));
  const dbPath = opts.dbPath ?? join(dir, 'pulseboard.db');
  const store = await openSqliteStore({ path: dbPath });
  const bus = opts.bus ?? createMemoryBus();
  const registry = new Registry({ bus, clock: systemClock, intervalSeconds: 30, known: opts.known ?? ['collector'] });
  registry.start();
  const hostname = localHostName();
  const app = await createApiServer({
    store,
    bus,
    registry,
    inspector: new ProcInspector(),
    signaller: new ProcSignaller({ killWaitSeconds: 10, audit: storeSignalAudit(store, () => undefined) }),
    hostname,
    settings: {
      heartbeat_interval_seconds: 30,
      progress_timeout_seconds: 600,
      default_lease_ttl_seconds: 30,
      default_grace_seconds: opts.graceSeconds ?? 5,
      ...opts.settings,
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  await ensureAdminToken(store, ADMIN_SECRET);
  const tokenFor = async (role: Role, name: string, runId?: number) => {
    const issued = await issueToken(store, { role, name, run_id: runId ?? null });
    if (role === 'worker') registry.addKnown(name);
    return issued.token;
  };
  const workerName = 'w1';
  const tokens = {
    admin: ADMIN_SECRET,
    viewer: await tokenFor('viewer', 'vera'),
    operator: await tokenFor('operator', 'otto'),
    worker: await tokenFor('worker', workerName),
  };

  const api = async (method: string, path: string, options: RequestOptions = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? tokens.admin : options.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  };

  return {
    app,
    base,
    store,
    bus,
    registry,
    hostname,
    tokens,
    workerName,
    api,
    tokenFor,
    dbPath,
    async close() {
      await app.close();
      registry.stop();
      if (!opts.bus) await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Narrows an answer body for assertions. */
export function bodyOf<T = Record<string, unknown>>(answer: Answer): T {
  return answer.body as T;
}
