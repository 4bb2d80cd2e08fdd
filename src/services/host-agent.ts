import { hostInspectSubject, hostSignalSubject } from '../core/subjects.js';
import { BusTimeoutError, NoRespondersError } from '../ports/bus.js';
import type { Bus } from '../ports/bus.js';
import { ProcessSampler } from './process-sampler.js';
import { stopRefusal } from '../core/signal-policy.js';
import type {
  ProcessInspector,
  ProcessSignaller,
  ProcessSnapshot,
  SignalAsk,
  SignalAudit,
  TerminateResult,
} from '../ports/process-inspector.js';
import type { Store } from '../ports/store.js';

/** What a look at a run's process found: its live figures, or why there is nothing to look at. */
export type ProcessLook =
  | ({ alive: true } & Omit<ProcessSnapshot, 'uid' | 'error' | 'cmdline'> & {
      cmdline?: string[];
      /** When num_fds was counted (epoch seconds): the fd table is counted less often than the rest is read. */
      num_fds_read_at?: number;
    })
  | { alive: false; reason: string };

export interface InspectRequest {
  pid: number;
  started_at: number | null;
}

/** Names the run the process is signalled for, and who asked why: the agent checks the run itself. */
export interface SignalRequest extends InspectRequest, SignalAsk {
  grace_seconds: number;
}

const INSPECT_TIMEOUT_MS = 3000;
/** Beyond the grace, time for SIGKILL and the reply itself. */
const SIGNAL_MARGIN_MS = 15_000;
/** Processes one inspect request to a host agent may name (the many-runs inspect's own bound). */
export const MAX_INSPECT_BATCH = 1000;

/** Asks the host agent of `host` about a pid; an agent that does not answer makes the host unreachable. */
export async function inspectRemoteProcess(bus: Bus, host: string, request: InspectRequest): Promise<ProcessLook> {
  return (await inspectRemoteProcesses(bus, host, [request]))[0] as ProcessLook;
}

/** One request to the agent of `host` for all of its pids, answered in the same order. */
export async function inspectRemoteProcesses(bus: Bus, host: string, requests: readonly InspectRequest[]): Promise<ProcessLook[]> {
  try {
    const answer = await bus.request(hostInspectSubject(host), { processes: requests }, { timeoutMs: INSPECT_TIMEOUT_MS });
    const looks = isRecord(answer) && Array.isArray(answer.looks) ? answer.looks : null;
    if (!looks || looks.length !== requests.length) return requests.map(() => ({ alive: false, reason: `host ${host} gave an unreadable answer` }));
    return looks.map((look) => parseProcessLook(look, host));
  } catch (err) {
    if (isUnreachable(err)) return requests.map(() => ({ alive: false, reason: `host ${host} unreachable` }));
    throw err;
  }
}

/** Asks the host agent of `host` to terminate a pid; unreachable means nothing was signalled. */
export async function terminateRemoteProcess(bus: Bus, host: string, request: SignalRequest): Promise<TerminateResult> {
  const timeoutMs = request.grace_seconds * 1000 + SIGNAL_MARGIN_MS;
  try {
    const answer = await bus.request(hostSignalSubject(host), request, { timeoutMs });
    return parseTerminateResult(answer);
  } catch (err) {
    if (isUnreachable(err)) return { terminated: false, signal: null, reason: `host ${host} unreachable` };
    throw err;
  }
}

/**
 * Answers inspect and signal requests for the processes of this host. Anyone on the bus can send a
 * request, so a signal is sent only for a run the shared store shows as spawned on this host with
 * exactly that pid and start time: the agent never takes the requester's word for it.
 */
export function serveHostAgent(deps: {
  bus: Bus;
  hostname: string;
  inspector: ProcessInspector;
  signaller: ProcessSignaller;
  /** Shared with this host's own inspections, so CPU % is measured from whichever reading came last. */
  sampler?: ProcessSampler;
  store: Store;
  audit: SignalAudit;
}): { close(): void } {
  const sampler = deps.sampler ?? new ProcessSampler(deps.inspector);
  const inspect = deps.bus.serve(hostInspectSubject(deps.hostname), async (data) => {
    // A request names one pid, or `processes` for many (one request per host for a whole listing).
    if (isRecord(data) && 'processes' in data) return { looks: await sampler.look(parseInspectBatch(data.processes)) };
    return (await sampler.look([parseInspectRequest(data)]))[0];
  });
  const signal = deps.bus.serve(hostSignalSubject(deps.hostname), async (data) => {
    const request = parseSignalRequest(data);
    const ask: SignalAsk = { run_id: request.run_id, actor: request.actor, reason: request.reason };
    const refusal = await refusalFor(deps.store, deps.hostname, request);
    if (refusal !== null) {
      await deps.audit.record({ ...ask, pid: request.pid, signal: 'SIGTERM', group: false, sent: false, refusal });
      return { terminated: false, signal: null, reason: refusal };
    }
    return deps.signaller.terminate(request.pid, request.started_at, request.grace_seconds, ask);
  });
  return {
    close() {
      inspect.close();
      signal.close();
    },
  };
}

async function refusalFor(store: Store, hostname: string, request: SignalRequest): Promise<string | null> {
  const run = await store.getRun(request.run_id);
  if (run === null) return `run ${request.run_id} not found`;
  const refusal = stopRefusal(run);
  if (refusal !== null) return refusal;
  if (run.host !== hostname || run.worker_pid !== request.pid || run.worker_started_at !== request.started_at) {
    return `refused: pid ${request.pid} is not the process run ${run.id} recorded on ${hostname}`;
  }
  return null;
}

function isUnreachable(err: unknown): boolean {
  return err instanceof BusTimeoutError || err instanceof NoRespondersError;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseInspectRequest(data: unknown): InspectRequest {
  if (!isRecord(data) || !Number.isSafeInteger(data.pid) || (data.pid as number) <= 0) {
    throw new Error('inspect request needs a positive integer pid');
  }
  const startedAt = data.started_at;
  if (startedAt !== null && (typeof startedAt !== 'number' || !Number.isFinite(startedAt))) {
    throw new Error('started_at must be a number or null');
  }
  return { pid: data.pid as number, started_at: startedAt };
}

function parseInspectBatch(data: unknown): InspectRequest[] {
  if (!Array.isArray(data) || data.length > MAX_INSPECT_BATCH) throw new Error(`processes must be an array of at most ${MAX_INSPECT_BATCH}`);
  return data.map(parseInspectRequest);
}

function parseSignalRequest(data: unknown): SignalRequest {
  const request = parseInspectRequest(data);
  const grace = isRecord(data) ? data.grace_seconds : undefined;
  if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0) {
    throw new Error('grace_seconds must be a number >= 0');
  }
  const ask = isRecord(data) ? data : {};
  if (!Number.isSafeInteger(ask.run_id) || (ask.run_id as number) <= 0) throw new Error('run_id must be a positive integer');
  if (typeof ask.actor !== 'string' || typeof ask.reason !== 'string') throw new Error('actor and reason must be strings');
  return { ...request, grace_seconds: grace, run_id: ask.run_id as number, actor: ask.actor, reason: ask.reason };
}

function parseProcessLook(answer: unknown, host: string): ProcessLook {
  if (!isRecord(answer) || typeof answer.alive !== 'boolean') {
    return { alive: false, reason: `host ${host} gave an unreadable answer` };
  }
  return answer as ProcessLook;
}

function parseTerminateResult(answer: unknown): TerminateResult {
  if (!isRecord(answer) || typeof answer.terminated !== 'boolean') {
    return { terminated: false, signal: null, reason: 'unreadable answer from the host agent' };
  }
  const signal = answer.signal === 'SIGTERM' || answer.signal === 'SIGKILL' ? answer.signal : null;
  const reason = typeof answer.reason === 'string' ? answer.reason : undefined;
  return reason === undefined ? { terminated: answer.terminated, signal } : { terminated: answer.terminated, signal, reason };
}
