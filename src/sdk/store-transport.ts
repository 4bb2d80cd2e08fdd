import { localHostName, readProcessStartTime } from '../adapters/process/proc-inspector.js';
import type { ClaimRequest, Store } from '../ports/store.js';
import type { ClaimInput, CompleteReport, WorkerTransport } from './transport.js';
import type { Run } from '../core/types.js';

export interface StoreTransportOptions {
  /** Recorded as the run's host; defaults to this machine's name. */
  host?: string;
  /** Recorded as the run's worker process; defaults to this process. */
  pid?: number;
}

/** Works on a Store in this process, without HTTP: for embedding and benchmarks. The store throws LeaseLostError itself. */
export function storeTransport(store: Store, opts: StoreTransportOptions = {}): WorkerTransport {
  const host = opts.host ?? localHostName();
  const pid = opts.pid ?? process.pid;
  // Read once: the pid's start time does not change while it lives, and the claim path is hot.
  const startedAt = readProcessStartTime(pid);
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

    claim(input: ClaimInput) {
      return store.claim(claimRequest(input));
    },

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
      return (await store.completeAndClaim(run.id, run.claim_token, report, claimRequest(next))).next;
    },
  };
}
