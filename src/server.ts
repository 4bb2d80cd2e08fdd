import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connectNatsBus } from './adapters/bus/nats.js';
import { createMemoryBus } from './adapters/bus/memory.js';
import { localHostName, ProcInspector } from './adapters/process/proc-inspector.js';
import { ProcSignaller } from './adapters/process/signaller.js';
import { openSqliteStore } from './adapters/store/sqlite/index.js';
import { loadConfig, readEnvironment, resolveAdminToken, TOKEN_FILE } from './config/index.js';
import type { Environment, PulseboardConfig } from './config/index.js';
import { boardEventsSubject } from './core/subjects.js';
import { createApiServer } from './edges/http/app.js';
import type { Bus } from './ports/bus.js';
import { systemClock } from './ports/clock.js';
import type { Clock } from './ports/clock.js';
import type { Store } from './ports/store.js';
import { Dispatcher } from './services/dispatcher/dispatcher.js';
import { EventPruner } from './services/event-pruner.js';
import { startHeartbeat } from './services/heartbeat-publisher.js';
import { serveHostAgent } from './services/host-agent.js';
import { ProcessSampler } from './services/process-sampler.js';
import { stopReapedWorkers } from './services/reaped-workers.js';
import { storeSignalAudit } from './services/signal-audit.js';
import { Reaper } from './services/reaper.js';
import { Registry } from './services/registry.js';
import { ensureAdminToken } from './services/tokens.js';

export interface StartOptions {
  /** Defaults to process.env; PULSEBOARD_* settings are read from it. */
  env?: NodeJS.ProcessEnv;
  /** Where ./pulseboard.config.json and a relative PULSEBOARD_HOME are looked up. */
  cwd?: string;
  /** Override PULSEBOARD_PORT / PULSEBOARD_HOST (the CLI's --port / --host); port 0 picks a free one. */
  port?: number;
  host?: string;
  /** Run the dispatcher for the configured profiles (default true). */
  dispatch?: boolean;
  /** Close gracefully on SIGINT/SIGTERM (the CLI's `serve` turns this on). */
  handleSignals?: boolean;
  /** Print the dashboard URL with the admin token in it (`serve --print-token`); by default the line names the token file. */
  printToken?: boolean;
  /** Where the startup line goes; default console.log. */
  log?: (line: string) => void;
  clock?: Clock;
}

export interface Pulseboard {
  /** Base URL of the API and dashboard. */
  url: string;
  /** The admin token. */
  token: string;
  home: string;
  config: PulseboardConfig;
  store: Store;
  bus: Bus;
  /** Stops everything in the reverse order it started; safe to call twice. */
  close(): Promise<void>;
}

/** The server's own row in the registry. */
export const SERVER_WORKER_NAME = 'api';
const DEFAULT_LEASE_TTL_SECONDS = 30;
const REAP_INTERVAL_SECONDS = 1;
/** Grace a reaped run's process gets between SIGTERM and SIGKILL. */
const REAPED_TERMINATE_GRACE_SECONDS = 10;

type Stopper = () => Promise<void> | void;

/** The composition root: configuration and environment in, a listening Pulseboard out. */
export async function startPulseboard(opts: StartOptions = {}): Promise<Pulseboard> {
  const envVars = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const config = loadConfig({ cwd, env: envVars });
  const env = readEnvironment(envVars, cwd);
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? ((line: string) => console.log(line));
  const hostname = localHostName();

  mkdirSync(env.home, { recursive: true, mode: 0o700 });
  const { token, source } = resolveAdminToken(env.home, env.token);

  // Every started part registers how to stop it; a failure half-way stops what already runs.
  const stoppers: Stopper[] = [];
  const stopAll = once(async () => {
    for (const stop of stoppers.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        log(`pulseboard: error while stopping: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  });

  try {
    const store = await openStore(env, clock);
    stoppers.push(() => store.close());
    const { revoked } = await ensureAdminToken(store, token, source === 'environment' ? 'environment' : 'file');
    if (revoked > 0) log(`pulseboard: PULSEBOARD_TOKEN changed: the previous environment admin token is revoked`);

    const bus = env.natsUrl ? await connectNatsBus({ url: env.natsUrl, name: `pulseboard-${hostname}` }) : createMemoryBus({ clock });
    stoppers.push(() => bus.close());
    stoppers.push(publishCommits(store, bus));

    const workerTokens = (await store.listTokens()).filter((t) => t.role === 'worker').map((t) => t.name);
    const registry = new Registry({
      bus,
      clock,
      intervalSeconds: config.heartbeat_interval_seconds,
      configured: config.workers,
      known: new Set([SERVER_WORKER_NAME, ...workerTokens]),
    });
    registry.start();
    stoppers.push(() => registry.stop());

    const ownHealth = startHeartbeat({ bus, name: SERVER_WORKER_NAME, intervalSeconds: config.heartbeat_interval_seconds, clock });
    stoppers.push(() => ownHealth.stop());

    const inspector = new ProcInspector();
    stoppers.push(() => inspector.close());
    // Every signal sent or refused, by any part below, is an event on its run.
    const audit = storeSignalAudit(store, log);
    const signaller = new ProcSignaller({ audit });
    const sampler = new ProcessSampler(inspector);
    const agent = serveHostAgent({ bus, hostname, inspector, signaller, sampler, store, audit });
    stoppers.push(() => agent.close());

    const reapedWorkers = stopReapedWorkers({ store, signaller, audit, hostname, graceSeconds: REAPED_TERMINATE_GRACE_SECONDS, log });
    // Stops after the reaper (stoppers run in reverse), before the store closes.
    stoppers.push(() => reapedWorkers.flush());
    const reaper = new Reaper({ store, intervalSeconds: REAP_INTERVAL_SECONDS, onReaped: (result) => reapedWorkers.onReaped(result) });
    reaper.start();
    stoppers.push(() => reaper.stop());

    const pruner = new EventPruner({
      store,
      clock,
      retention: config.event_retention,
      intervalSeconds: config.event_retention.interval_seconds,
      onError: (err) => log(`pulseboard event pruner: ${err instanceof Error ? err.message : String(err)}`),
    });
    pruner.start();
    stoppers.push(() => pruner.stop());

    const runLogDir = join(env.home, 'logs');
    const app = await createApiServer({
      store,
      runLogDir,
      bus,
      registry,
      clock,
      inspector,
      signaller,
      sampler,
      audit,
      hostname,
      settings: {
        heartbeat_interval_seconds: config.heartbeat_interval_seconds,
        progress_timeout_seconds: config.progress_timeout_seconds,
        default_lease_ttl_seconds: DEFAULT_LEASE_TTL_SECONDS,
        ...config.limits,
        profile_max_attempts: Object.fromEntries(Object.entries(config.profiles).map(([name, p]) => [name, p.max_attempts])),
      },
    });
    stoppers.push(() => app.close());
    const host = opts.host ?? env.host;
    await app.listen({ host, port: opts.port ?? env.port });
    const url = baseUrl(host, listeningPort(app.server.address()));

    // Started last: the children it spawns talk to the API, which must already listen.
    if ((opts.dispatch ?? true) && Object.keys(config.profiles).length > 0) {
      const dispatcher = new Dispatcher({
        store,
        signaller,
        audit,
        inspector,
        hostname,
        clock,
        profiles: config.profiles,
        maxConcurrentRuns: config.max_concurrent_runs,
        apiUrl: url,
        logDir: runLogDir,
        onEvent: (event) => {
          if (event.type === 'error' || event.type === 'spawn_failed') log(`pulseboard dispatcher: ${event.type}: ${event.error}`);
        },
      });
      await dispatcher.start();
      stoppers.push(() => dispatcher.stop());
    }

    if (opts.handleSignals) stoppers.push(closeOnSignals(stopAll, log));
    log(startupLine(url, token, source === 'environment' ? null : join(env.home, TOKEN_FILE), opts.printToken === true));
    return { url, token, home: env.home, config, store, bus, close: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function openStore(env: Environment, clock: Clock): Promise<Store> {
  if (env.databaseUrl === null) return openSqliteStore({ path: join(env.home, 'pulseboard.db'), clock });
  // Loaded on demand so a SQLite deployment never loads pg.
  const { openPostgresStore } = await import('./adapters/store/postgres/index.js');
  return openPostgresStore({ connectionString: env.databaseUrl, clock });
}

/** Each committed event goes out on board.<board>.events, for SSE and other servers. */
function publishCommits(store: Store, bus: Bus): Stopper {
  return store.onCommit((events) => {
    for (const event of events) {
      try {
        bus.publish(boardEventsSubject(event.board), event);
      } catch {
        // A closing bus must not fail the transaction that already committed.
      }
    }
  });
}

function closeOnSignals(close: () => Promise<void>, log: (line: string) => void): Stopper {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`pulseboard: ${signal}, shutting down`);
    void close().then(() => process.exit(0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Logs are read by more people than the admin: the secret is printed only when asked for. */
function startupLine(url: string, token: string, tokenFile: string | null, printToken: boolean): string {
  if (printToken) return `Pulseboard on ${url}/?token=${encodeURIComponent(token)}`;
  const where = tokenFile === null ? 'the admin token is PULSEBOARD_TOKEN' : `admin token in ${tokenFile}`;
  return `Pulseboard on ${url}/ (${where}; open ${url}/?token=<admin token>, or serve --print-token to print it)`;
}

function listeningPort(address: AddressInfo | string | null): number {
  if (address === null || typeof address === 'string') throw new Error('the HTTP server is not listening on a TCP port');
  return address.port;
}

function baseUrl(host: string, port: number): string {
  // A wildcard address listens everywhere, but it is no address to connect to.
  const reachable = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= fn());
}
