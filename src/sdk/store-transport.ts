import type { EventRow } from '../core/types.js';
import type { Bus } from '../ports/bus.js';
import type { ProcessIdentity } from '../ports/process-inspector.js';
import type { ClaimRequest, Store } from '../ports/store.js';
import { ClaimWaiters } from '../services/claim-waiters.js';
import { CompletionBatcher } from '../services/completion-batcher.js';
import type { CompletionBatcherStats } from '../services/completion-batcher.js';
import type { CommitSource } from '../services/claim-waiters.js';
import type { ClaimInput, ClaimWait, CompleteReport, WorkerTransport } from './transport.js';
import type { Run } from '../core/types.js';

export interface StoreTransportOptions {
  /** Recorded as the run's host; defaults to this machine's name. */
  host?: string;
  /** Recorded as the run's worker process; defaults to this process. */
  pid?: number;
  /**
   * An idle worker is woken by this process's own commits at once; commits of other processes (another
   * server on the same SQLite file or PostgreSQL database) are seen by claiming again this often.
   */
  fallbackPollSeconds?: number;
  /** Where other processes publish their commits (board.<board>.events, as the server does): they wake idle workers too. */
  bus?: Bus;
}

/** What a store transport's idle claims hold, for tests and diagnostics. */
export interface StoreTransportState {
  /** Claims in progress or waiting for a task. */
  waitingClaims(): number;
  /** Subscribed to the store's commits (and the bus), which it is only while a claim waits. */
  listeningForCommits(): boolean;
  /** How the slots' completions reached the store: alone, or several in one transaction. */
  completionStats(): CompletionBatcherStats;
}

const DEFAULT_FALLBACK_POLL_SECONDS = 5;
const BOARD_EVENTS = 'board.*.events';

export type StoreTransport = WorkerTransport & StoreTransportState;

/**
 * Works on a Store in this process, without HTTP: for embedding and benchmarks. The store throws
 * LeaseLostError itself. `identity` names the claiming process (src/store-transport.ts passes procfs).
 */
export function createStoreTransport(store: Store, identity: ProcessIdentity, opts: StoreTransportOptions = {}): StoreTransport {
  const host = opts.host ?? identity.hostName();
  const pid = opts.pid ?? process.pid;
  const fallbackMs = (opts.fallbackPollSeconds ?? DEFAULT_FALLBACK_POLL_SECONDS) * 1000;
  // Read once: the pid's start time does not change while it lives, and the claim path is hot.
  const startedAt = identity.startTime(pid);
  const waiters = new ClaimWaiters(commitSource(store, opts.bus));
  // Slots that finish in the same tick share one commit.
  const completions = new CompletionBatcher(store);
  const claimRequest = (input: ClaimInput): ClaimRequest => ({
    worker: input.worker,
    host,
    pid,
    worker_started_at: startedAt,
    ttl_seconds: input.ttlSeconds,
    profile: input.profile ?? null,
    ...(input.board === undefined ? {} : { board: input.board }),
  });
  return {
    kind: 'store',

    claim(input: ClaimInput, wait?: ClaimWait) {
      const request = claimRequest(input);
      if (!wait) return store.claim(request);
      return waiters.claim({ board: request.board, profile: request.profile ?? null }, () => store.claim(request), {
        waitMs: Math.min(wait.seconds * 1000, fallbackMs),
        signal: wait.signal,
      });
    },

    canWait: () => true,

    waitingClaims: () => waiters.count,
    listeningForCommits: () => waiters.attached,
    completionStats: () => completions.stats(),

    heartbeat(run: Run, progress) {
      return store.heartbeat(run.id, run.claim_token, {
        ...(progress?.value === undefined ? {} : { progress: progress.value }),
        ...(progress?.note === undefined ? {} : { note: progress.note }),
      });
    },

    async complete(run: Run, report: CompleteReport) {
      await store.complete(run.id, run.claim_token, report);
    },

    async completeAndClaim(run: Run, report: CompleteReport, next: ClaimInput) {
      return (await completions.completeAndClaim(run.id, run.claim_token, report, claimRequest(next))).next;
    },
  };
}

/** This process's commits, and the bus's board events when there is a bus; subscribed only while a claim waits. */
function commitSource(store: Store, bus: Bus | undefined): CommitSource {
  return async (notify) => {
    const stopCommits = store.onCommit(notify);
    if (!bus) return stopCommits;
    const subscription = bus.subscribe<EventRow>(BOARD_EVENTS, { queueSize: 64 });
    void (async () => {
      try {
        for await (const message of subscription) if (isEventRow(message.data)) notify([message.data]);
      } catch {
        // A bus that fails only costs the wake-ups: the fallback poll still finds the tasks.
      }
    })();
    return () => {
      stopCommits();
      subscription.close();
    };
  };
}

function isEventRow(data: unknown): data is EventRow {
  if (data === null || typeof data !== 'object') return false;
  const row = data as Partial<EventRow>;
  return typeof row.kind === 'string' && typeof row.board === 'string' && row.payload !== null && typeof row.payload === 'object';
}
