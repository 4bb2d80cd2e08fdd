import type { PerKeyLimit } from '../../core/per-key-limit.js';
import type { Bus } from '../../ports/bus.js';
import type { Clock } from '../../ports/clock.js';
import type { ProcessInspector } from '../../ports/process-inspector.js';
import type { Store } from '../../ports/store.js';
import type { ActiveRunView } from '../../services/active-run-view.js';
import type { BoardView } from '../../services/board-view.js';
import type { RunOwners } from './run-owners.js';
import type { RunActivityView } from '../../services/run-activity-view.js';
import type { ClaimWaiters } from '../../services/claim-waiters.js';
import type { Registry } from '../../services/registry.js';
import type { RunControl } from '../../services/run-control.js';
import type { WorkerControl } from '../../services/worker-control.js';
import type { GuardedAuthenticate } from './auth.js';
import type { EventFeed } from './event-feed.js';
import type { ApiMetrics } from './metrics.js';

export interface ApiSettings {
  heartbeat_interval_seconds: number;
  progress_timeout_seconds: number;
  default_lease_ttl_seconds: number;
  default_grace_seconds: number;
  /** max_attempts of each configured profile: the default for a task assigned to it. */
  profile_max_attempts: Readonly<Record<string, number>>;
}

/** What one token may hold open at once; beyond it the answer is 429. */
export interface HoldLimits {
  claims: PerKeyLimit;
  streams: PerKeyLimit;
}

/** Everything a route group needs, handed to each route plugin as its options. */
export interface ApiContext {
  store: Store;
  bus: Bus;
  registry: Registry;
  clock: Clock;
  inspector: ProcessInspector;
  hostname: string;
  settings: ApiSettings;
  runControl: RunControl;
  /** The live-run listing and its JSON, memoised for this store (GET /api/workers/active). */
  activeRuns: ActiveRunView;
  /** Each board's columns and their JSON, memoised for this store (GET /api/board). */
  boards: BoardView;
  workerControl: WorkerControl;
  metrics: ApiMetrics;
  feed: EventFeed;
  /** Claims held open by wait_seconds, woken through the feed's shared pump. */
  claimWaiters: ClaimWaiters;
  holds: HoldLimits;
  /** The overview's per-minute run counts, closed minutes kept (GET /api/stats). */
  runActivity: RunActivityView;
  /** Which worker each run belongs to, as far as this server saw it claimed or read it. */
  runOwners: RunOwners;
  /** Checks a secret under the per-address failure limit (the auth hook and the dashboard login). */
  authenticate: GuardedAuthenticate;
}
