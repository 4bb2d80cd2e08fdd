import type { ProcessInspector, ProcessReading } from '../ports/process-inspector.js';
import { startTimesMatch } from '../core/process-identity.js';
import type { ProcessLook } from './host-agent.js';

export interface LookRequest {
  pid: number;
  /** The run's recorded worker_started_at; null when unknown (then any live process of that pid). */
  started_at: number | null;
}

interface Sample {
  cpuSeconds: number;
  cmdline: string[];
  /** Wall clock (ms) of the reading. */
  at: number;
  numFds: number | null;
  /** Wall clock (ms) when numFds was counted. */
  fdsAt: number;
}

function keyOf(pid: number, startedAt: number): string {
  return `${pid}:${startedAt.toFixed(2)}`;
}

/** Samples older than this are forgotten: a pid nobody looks at any more costs no memory. */
const FORGET_AFTER_MS = 5 * 60_000;
const SWEEP_EVERY_MS = 60_000;
/**
 * A process's fd table is counted again once its count is this old, plus a part of it that depends on
 * the pid: counting means listing the table (as much as all the rest of a reading), while a count
 * seconds old still shows a leak. The part by pid spreads the recounts of processes first read
 * together over several batches instead of making every few batches as slow as a first one.
 */
const FD_COUNT_AGE_MS = 5_000;

function fdCountDue(pid: number, sample: Sample | undefined, at: number): boolean {
  return sample === undefined || at - sample.fdsAt >= FD_COUNT_AGE_MS + ((pid * 7919) % FD_COUNT_AGE_MS);
}

/**
 * Live figures of processes of this host without a sampling wait: CPU % is the CPU time used since
 * the previous reading of the same process divided by the wall time between them, as top computes it.
 * A process read for the first time gets its average since it started (as ps shows it). Samples are
 * keyed by pid and start time, so a recycled pid never inherits another process's history.
 */
export class ProcessSampler {
  private readonly samples = new Map<string, Sample>();
  private lastSweep: number;

  constructor(
    private readonly inspector: ProcessInspector,
    private readonly nowMs: () => number = () => performance.timeOrigin + performance.now(),
  ) {
    this.lastSweep = this.nowMs();
  }

  async look(requests: readonly LookRequest[]): Promise<ProcessLook[]> {
    const before = this.nowMs();
    // A process's command line does not change: read once per process, then kept with its sample.
    const asks = requests.map((r) => {
      const sample = r.started_at === null ? undefined : this.samples.get(keyOf(r.pid, r.started_at));
      return { pid: r.pid, cmdline: sample === undefined, fds: fdCountDue(r.pid, sample, before) };
    });
    const readings = await this.inspector.readMany(asks);
    const at = this.nowMs();
    const looks = requests.map((request, i) => this.toLook(request, readings[i] ?? null, (asks[i] as { fds: boolean }).fds, at));
    if (at - this.lastSweep > SWEEP_EVERY_MS) this.sweep(at);
    return looks;
  }

  /** How many processes have a previous reading (for tests and diagnostics). */
  get size(): number {
    return this.samples.size;
  }

  private toLook(request: LookRequest, reading: ProcessReading | null, countedFds: boolean, at: number): ProcessLook {
    if (!reading) return { alive: false, reason: 'process not found' };
    if (request.started_at !== null && !startTimesMatch(reading.create_time, request.started_at)) {
      return { alive: false, reason: 'pid reused by another process' };
    }
    // Keyed by the recorded start time when there is one, so the next request finds it before reading.
    const key = keyOf(reading.pid, request.started_at ?? reading.create_time);
    const previous = this.samples.get(key);
    const cmdline = reading.cmdline ?? previous?.cmdline ?? [];
    // Not counted this time only when a previous count of this very process exists.
    const fresh = countedFds || previous === undefined;
    const numFds = fresh ? reading.num_fds : previous.numFds;
    const fdsAt = fresh ? at : previous.fdsAt;
    this.samples.set(key, { cpuSeconds: reading.cpu_seconds, cmdline, at, numFds, fdsAt });
    const cpuPercent = previous && at > previous.at
      ? ((reading.cpu_seconds - previous.cpuSeconds) / ((at - previous.at) / 1000)) * 100
      : (reading.cpu_seconds / Math.max(0.01, at / 1000 - reading.create_time)) * 100;
    return {
      alive: true,
      pid: reading.pid,
      create_time: reading.create_time,
      cpu_percent: Math.max(0, Math.round(cpuPercent * 10) / 10),
      memory_rss_bytes: reading.memory_rss_bytes,
      memory_vms_bytes: reading.memory_vms_bytes,
      num_threads: reading.num_threads,
      num_fds: numFds,
      num_fds_read_at: Math.round(fdsAt) / 1000,
      status: reading.status,
      cmdline,
    };
  }

  private sweep(at: number): void {
    this.lastSweep = at;
    for (const [key, sample] of this.samples) if (at - sample.at > FORGET_AFTER_MS) this.samples.delete(key);
  }
}
