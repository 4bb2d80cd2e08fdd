import { LeaseLostError } from '../core/errors.js';
import type { Run } from '../core/types.js';
import { ApiError } from './api-error.js';
import type { ClaimBody } from './api-types.js';
import { createClient } from './client.js';
import type { PulseboardClient } from './client.js';
import type { ClaimInput, ClaimWait, CompleteReport, HealthOptions, WorkerTransport } from './transport.js';

export interface HttpTransportOptions {
  url: string;
  token: string;
  /** Sent with claims; the server records it as the run's worker process. Defaults to this process. */
  pid?: number;
  host?: string;
}

/** Talks to a Pulseboard server over its HTTP API. */
export function httpTransport(opts: HttpTransportOptions): WorkerTransport & { client: PulseboardClient } {
  const client = createClient({ url: opts.url, token: opts.token });
  const pid = opts.pid ?? process.pid;
  // Cleared once the server refuses wait_seconds (one that predates held claims): the worker then polls.
  let serverWaits = true;
  const claimBody = (input: ClaimInput): ClaimBody => ({
    worker: input.worker,
    ttl_seconds: input.ttlSeconds,
    pid,
    ...(opts.host === undefined ? {} : { host: opts.host }),
    ...(input.profile === undefined ? {} : { profile: input.profile }),
    ...(input.board === undefined ? {} : { board: input.board }),
  });
  return {
    kind: 'http',
    client,

    async claim(input: ClaimInput, wait?: ClaimWait) {
      if (!wait || !serverWaits) return client.claim(claimBody(input));
      const seconds = Math.min(MAX_WAIT_SECONDS, Math.max(0, wait.seconds));
      try {
        return await client.claim({ ...claimBody(input), wait_seconds: seconds }, { signal: wait.signal });
      } catch (err) {
        if (wait.signal.aborted) return null;
        if (!refusesWait(err)) throw err;
        serverWaits = false;
        return client.claim(claimBody(input));
      }
    },

    canWait: () => serverWaits,

    async heartbeat(run: Run, progress) {
      return fenced(run, () =>
        client.heartbeat(run.id, {
          claim_token: run.claim_token,
          ...(progress?.value === undefined ? {} : { progress: progress.value }),
          ...(progress?.note === undefined ? {} : { note: progress.note }),
        }),
      );
    },

    async complete(run: Run, report: CompleteReport) {
      await fenced(run, () => client.complete(run.id, { claim_token: run.claim_token, ...report }));
    },

    async completeAndClaim(run: Run, report: CompleteReport, next: ClaimInput) {
      const answer = await fenced(run, () =>
        client.complete(run.id, { claim_token: run.claim_token, ...report, claim_next: claimBody(next) }),
      );
      return answer.next ?? null;
    },

    startHealth(health: HealthOptions) {
      return startHttpHealth(client, health);
    },
  };
}

/** The server's ceiling for wait_seconds. */
const MAX_WAIT_SECONDS = 30;

function refusesWait(err: unknown): boolean {
  return err instanceof ApiError && err.status === 400 && err.detail.includes('wait_seconds');
}

async function fenced<T>(run: Run, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) throw new LeaseLostError(run.id, err.detail);
    throw err;
  }
}

/**
 * POSTs the worker's health every interval and reads the answer, because that is where an HTTP-only
 * worker learns an operator asked it to stop.
 */
function startHttpHealth(client: PulseboardClient, health: HealthOptions): { stop(): void } {
  const startedAt = Date.now();
  let stopped = false;
  let inFlight = false;
  let intervalSeconds = health.intervalSeconds;
  let timer: NodeJS.Timeout;
  const schedule = () => {
    clearInterval(timer);
    timer = setInterval(() => void beat(), intervalSeconds * 1000);
    timer.unref();
  };
  const beat = async () => {
    if (inFlight || stopped) return;
    inFlight = true;
    try {
      const answer = await client.publishHealth(health.name, {
        pid: process.pid,
        uptime_s: (Date.now() - startedAt) / 1000,
      });
      if (!stopped && answer.control?.action === 'stop') health.onStop();
      const serverInterval = answer.heartbeat_interval_seconds;
      if (health.followServerInterval && !stopped && typeof serverInterval === 'number' && serverInterval > 0 && serverInterval !== intervalSeconds) {
        intervalSeconds = serverInterval;
        schedule();
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        // Only configured workers and worker-token holders have a registry row; beating on would only repeat this.
        stopped = true;
        clearInterval(timer);
        health.onError?.(
          new Error(
            `${health.name} is not in the registry (not in the configuration's "workers", no worker token of that name), so its health is not published`,
          ),
        );
      } else {
        health.onError?.(err);
      }
    } finally {
      inFlight = false;
    }
  };
  void beat();
  schedule();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
