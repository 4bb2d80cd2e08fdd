import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { CONFIG_DEFAULTS } from '../../config/schema.js';
import { FailureLimiter } from '../../core/failure-limiter.js';
import { PerKeyLimit } from '../../core/per-key-limit.js';
import type { Bus } from '../../ports/bus.js';
import { systemClock } from '../../ports/clock.js';
import type { Clock } from '../../ports/clock.js';
import type { ProcessInspector, ProcessSignaller, SignalAudit } from '../../ports/process-inspector.js';
import { ActiveRunView } from '../../services/active-run-view.js';
import { BoardView } from '../../services/board-view.js';
import { RunOwners } from './run-owners.js';
import { RunActivityView } from '../../services/run-activity-view.js';
import { ACTIVITY_BUCKET_SECONDS } from './routes/stats.js';
import { storeSignalAudit } from '../../services/signal-audit.js';
import type { Store } from '../../ports/store.js';
import type { Registry } from '../../services/registry.js';
import { ClaimWaiters } from '../../services/claim-waiters.js';
import { createRunControl, DEFAULT_GRACE_SECONDS } from '../../services/run-control.js';
import { ProcessSampler } from '../../services/process-sampler.js';
import { createWorkerControl } from '../../services/worker-control.js';
import { createAuthHook, guardedAuthenticate } from './auth.js';
import type { Access } from './auth.js';
import type { ApiContext } from './context.js';
import { handleClientError, handleFrameworkError } from './client-errors.js';
import { createErrorHandler, handleNotFound } from './errors.js';
import { EventFeed } from './event-feed.js';
import { createApiMetrics } from './metrics.js';
import { setDefaultSecurityHeaders } from './security-headers.js';
import { trackUnusedConnections } from './unused-connections.js';
import { activeRoutes } from './routes/active.js';
import { boardRoutes } from './routes/board.js';
import { claimRoutes } from './routes/claims.js';
import { eventRoutes } from './routes/events.js';
import { runLogRoutes } from './routes/run-log.js';
import { runRoutes } from './routes/runs.js';
import { sessionRoutes } from './routes/session.js';
import { statsRoutes } from './routes/stats.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { defaultDashboardDir } from './dashboard-assets.js';
import { systemRoutes } from './routes/system.js';
import { taskRoutes } from './routes/tasks.js';
import { tokenRoutes } from './routes/tokens.js';
import { workerRoutes } from './routes/workers.js';
import { AJV_OPTIONS, checkBodyValues, formatValidationError, refuseContentEncoding, requireBody } from './validation.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The held claims, for tests and diagnostics (count, attached). */
    claimWaiters: ClaimWaiters;
    eventFeed: EventFeed;
    /** Every route as registered (HEAD twins left out), with the access it declares; the auth matrix test reads it. */
    routeTable: readonly RouteEntry[];
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  access: Access | undefined;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
/** A refused body up to this size is read to its end so the client sees the answer (see unread-body.ts). */
export const DEFAULT_DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * The whole request (headers and body) must arrive within request_timeout_seconds (config `limits`);
 * a held claim or an event stream is a response and is not limited by it. Headers come sooner.
 */
export const DEFAULT_HEADERS_TIMEOUT_SECONDS = 10;

export interface ApiDeps {
  store: Store;
  bus: Bus;
  registry: Registry;
  clock?: Clock;
  inspector: ProcessInspector;
  signaller: ProcessSignaller;
  /** The previous reading of each process of this host, shared with the host agent; one of its own if not given. */
  sampler?: ProcessSampler;
  /** Where signal refusals decided by run control are written; by default as events through the store. */
  audit?: SignalAudit;
  hostname: string;
  /** The built dashboard served at `/`; defaults to the package's dist/dashboard. */
  dashboardDir?: string;
  /** Where the dispatcher writes run logs (GET /api/runs/:id/log); without it every run has no log. */
  runLogDir?: string | null;
  settings: {
    heartbeat_interval_seconds: number;
    progress_timeout_seconds: number;
    default_lease_ttl_seconds: number;
    default_grace_seconds?: number;
    body_limit_bytes?: number;
    discard_limit_bytes?: number;
    request_timeout_seconds?: number;
    headers_timeout_seconds?: number;
    held_claims_per_token?: number;
    event_streams_per_token?: number;
    auth_failures_per_minute?: number;
    profile_max_attempts?: Record<string, number>;
  };
  logger?: boolean;
}

/** Builds the HTTP API; the caller listens. Closing the app ends its event streams. */
export async function createApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const requestTimeoutMs = (deps.settings.request_timeout_seconds ?? CONFIG_DEFAULTS.limits.request_timeout_seconds) * 1000;
  const headersTimeoutMs = Math.min(requestTimeoutMs, (deps.settings.headers_timeout_seconds ?? DEFAULT_HEADERS_TIMEOUT_SECONDS) * 1000);
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.settings.body_limit_bytes ?? DEFAULT_BODY_LIMIT_BYTES,
    requestTimeout: requestTimeoutMs,
    // Node checks for late requests on this interval; its default (30 s) would let one live twice as long.
    http: { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, requestTimeoutMs) },
    clientErrorHandler: handleClientError,
    frameworkErrors: handleFrameworkError,
    ajv: { customOptions: AJV_OPTIONS },
    schemaErrorFormatter: formatValidationError,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const connections = trackUnusedConnections(app.server);
  const feed = new EventFeed({
    store: deps.store,
    bus: deps.bus,
    onWorkerChange: (listener) => deps.registry.onChange(listener),
    onError: (err) => app.log.error({ err }, 'event feed read failed'),
  });
  // The feed's pump reads each commit once for every waiting claim; it reads nothing while none waits.
  const claimWaiters: ClaimWaiters = new ClaimWaiters((notify) => feed.listen(notify, () => claimWaiters.close()));
  const metrics = createApiMetrics({
    store: deps.store,
    bus: deps.bus,
    registryDroppedUnknown: () => deps.registry.stats().dropped_unknown,
    sseClients: () => feed.clientCount,
    progressTimeoutSeconds: deps.settings.progress_timeout_seconds,
  });
  const ctx: ApiContext = {
    store: deps.store,
    bus: deps.bus,
    registry: deps.registry,
    clock,
    inspector: deps.inspector,
    hostname: deps.hostname,
    settings: {
      heartbeat_interval_seconds: deps.settings.heartbeat_interval_seconds,
      progress_timeout_seconds: deps.settings.progress_timeout_seconds,
      default_lease_ttl_seconds: deps.settings.default_lease_ttl_seconds,
      default_grace_seconds: deps.settings.default_grace_seconds ?? DEFAULT_GRACE_SECONDS,
      profile_max_attempts: deps.settings.profile_max_attempts ?? {},
    },
    runControl: createRunControl({
      store: deps.store,
      signaller: deps.signaller,
      audit: deps.audit ?? storeSignalAudit(deps.store, (line) => app.log.error(line)),
      bus: deps.bus,
      hostname: deps.hostname,
      sampler: deps.sampler ?? new ProcessSampler(deps.inspector),
      progressTimeoutSeconds: deps.settings.progress_timeout_seconds,
    }),
    activeRuns: new ActiveRunView(deps.store),
    boards: new BoardView(deps.store),
    runOwners: new RunOwners(deps.store),
    runActivity: new RunActivityView(deps.store, ACTIVITY_BUCKET_SECONDS),
    workerControl: createWorkerControl(deps.bus, { clock }),
    metrics,
    feed,
    claimWaiters,
    authenticate: guardedAuthenticate({
      store: deps.store,
      failures: new FailureLimiter(deps.settings.auth_failures_per_minute ?? CONFIG_DEFAULTS.limits.auth_failures_per_minute, 60),
      clock,
    }),
    holds: {
      claims: new PerKeyLimit(deps.settings.held_claims_per_token ?? CONFIG_DEFAULTS.limits.held_claims_per_token),
      streams: new PerKeyLimit(deps.settings.event_streams_per_token ?? CONFIG_DEFAULTS.limits.event_streams_per_token),
    },
  };

  const routeTable: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, access: route.config?.access });
    }
  });
  app.decorate('routeTable', routeTable);
  app.decorateRequest('principal', null);
  app.setErrorHandler(
    createErrorHandler({
      logToConsole: deps.logger !== true,
      discardLimitBytes: deps.settings.discard_limit_bytes ?? DEFAULT_DISCARD_LIMIT_BYTES,
    }),
  );
  // The hooks every request passes are plain callbacks, not async functions: a promise per hook per
  // request was a measured share of a heartbeat's cost (bench/README.md, visibility).
  app.addHook('onRequest', (request, reply, done) => {
    setDefaultSecurityHeaders(reply.raw);
    // Read off the headers, so checked here rather than in a preParsing hook of its own.
    refuseContentEncoding(request);
    done();
  });
  app.setNotFoundHandler(handleNotFound);
  app.addHook('onRequest', createAuthHook({ authenticate: ctx.authenticate, onWorkerSeen: (name) => deps.registry.addKnown(name) }));

  app.addHook('preValidation', (request, _reply, done) => {
    requireBody(request);
    checkBodyValues(request.body);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requestSeconds.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.addHook('onReady', async () => feed.start());
  // Streams and held claims never end on their own; ending them first lets close() finish.
  app.addHook('preClose', async () => {
    claimWaiters.close();
    feed.stop();
    connections.destroyUnused();
  });
  app.decorate('claimWaiters', claimWaiters);
  app.decorate('eventFeed', feed);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Pulseboard API', version: '0.1.0', description: 'Task board for fleets of workers' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  for (const routes of [
    systemRoutes,
    boardRoutes,
    taskRoutes,
    claimRoutes,
    runRoutes,
    activeRoutes,
    workerRoutes,
    tokenRoutes,
    eventRoutes,
    sessionRoutes,
    statsRoutes,
  ]) {
    await app.register(routes, ctx);
  }
  await app.register(runLogRoutes, { store: deps.store, logDir: deps.runLogDir ?? null });
  await app.register(dashboardRoutes, { store: deps.store, dir: deps.dashboardDir ?? defaultDashboardDir() });
  return app as unknown as FastifyInstance;
}
