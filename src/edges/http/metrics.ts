import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TASK_STATUSES } from '../../core/types.js';
import type { Bus } from '../../ports/bus.js';
import type { Store } from '../../ports/store.js';

export interface ApiMetrics {
  registry: Registry;
  claims: Counter;
  reclaims: Counter;
  runHeartbeats: Counter;
  healthBeats: Counter;
  terminations: Counter;
  requestSeconds: Histogram<'method' | 'route' | 'status_code'>;
}

export interface MetricSources {
  store: Store;
  bus: Bus;
  registryDroppedUnknown: () => number;
  sseClients: () => number;
  progressTimeoutSeconds: number;
}

/** One prom-client registry per app, so two servers in one process never mix their numbers. */
export function createApiMetrics(sources: MetricSources): ApiMetrics {
  const registry = new Registry();
  const registers = [registry];

  new Gauge({
    name: 'pulseboard_tasks',
    help: 'Tasks by status, all boards',
    labelNames: ['status'],
    registers,
    async collect() {
      const counts = await sources.store.countTasksByStatus();
      for (const status of TASK_STATUSES) this.set({ status }, counts[status] ?? 0);
    },
  });
  new Gauge({
    name: 'pulseboard_active_runs',
    help: 'Runs that have not ended',
    registers,
    async collect() {
      const active = await sources.store.listActiveRuns({ progress_timeout_seconds: sources.progressTimeoutSeconds });
      this.set(active.length);
    },
  });
  new Gauge({
    name: 'pulseboard_bus_dropped_messages',
    help: 'Messages the bus dropped for slow subscribers since start',
    registers,
    collect() {
      this.set(sources.bus.stats().dropped);
    },
  });
  new Gauge({
    name: 'pulseboard_registry_dropped_unknown',
    help: 'Health beats ignored because they named no known worker',
    registers,
    collect() {
      this.set(sources.registryDroppedUnknown());
    },
  });
  new Gauge({
    name: 'pulseboard_sse_clients',
    help: 'Connected event stream clients',
    registers,
    collect() {
      this.set(sources.sseClients());
    },
  });

  return {
    registry,
    claims: new Counter({ name: 'pulseboard_claims_total', help: 'Claims that got a task', registers }),
    reclaims: new Counter({ name: 'pulseboard_reclaims_total', help: 'Tasks reclaimed through the API', registers }),
    terminations: new Counter({ name: 'pulseboard_terminations_total', help: 'Runs terminated through the API', registers }),
    runHeartbeats: new Counter({ name: 'pulseboard_run_heartbeats_total', help: 'Accepted run heartbeats', registers }),
    healthBeats: new Counter({ name: 'pulseboard_health_beats_total', help: 'Worker health beats over HTTP', registers }),
    requestSeconds: new Histogram({
      name: 'pulseboard_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
