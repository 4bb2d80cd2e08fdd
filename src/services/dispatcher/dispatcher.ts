import { isProfileName } from '../../core/ids.js';
import type { EventRow } from '../../core/types.js';
import { systemClock } from '../../ports/clock.js';
import type { Store } from '../../ports/store.js';
import { unrecordedSignals } from '../signal-audit.js';
import { adoptLiveRuns } from './adopt.js';
import { launchRun } from './launch.js';
import type { LaunchDeps } from './launch.js';
import type { RunSupervisor } from './supervise.js';
import {
  DEFAULT_LEASE_TTL_SECONDS,
  DEFAULT_LINGER_GRACE_SECONDS,
  DEFAULT_LOG_MAX_BYTES,
  DEFAULT_POLL_MS,
  DEFAULT_PROFILE_CONCURRENCY,
  DEFAULT_TERMINATE_GRACE_SECONDS,
} from './types.js';
import type { DispatcherEvent, DispatcherOptions, DispatchProfile } from './types.js';

/** Commits after which a ready task may be waiting, or a slot may have freed. */
const WAKING_KINDS = new Set(['task_created', 'task_updated', 'task_status', 'completed', 'run_ended', 'reclaimed', 'timed_out']);
/** Commits that may mean a supervised run was closed or fenced elsewhere. */
const RUN_CHANGING_KINDS = new Set(['run_ended', 'reclaimed', 'timed_out', 'stop_requested', 'completed']);

/**
 * Runs one supervised worker process per claimed run, for every configured profile, within each
 * profile's concurrency and the overall cap. Wakes on commits and on a short poll.
 */
export class Dispatcher {
  private readonly store: Store;
  private readonly deps: LaunchDeps & { pollMs: number };
  private readonly profiles: [string, DispatchProfile][];
  private readonly maxConcurrentRuns: number;
  private readonly supervisors = new Map<number, RunSupervisor>();
  /** Claimed runs per profile, counted from the claim (before their process exists) until settled. */
  private readonly occupied = new Map<string, number>();
  private readonly reportedProfiles = new Set<string>();
  private running = false;
  private starting: Promise<void> | null = null;
  private cycle: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private launches = new Set<Promise<void>>();

  constructor(private readonly opts: DispatcherOptions) {
    this.store = opts.store;
    const emit = (event: DispatcherEvent) => {
      try {
        opts.onEvent?.(event);
      } catch {
        // A listener's fault must not break supervision.
      }
    };
    const apiUrl = opts.apiUrl;
    this.deps = {
      store: opts.store,
      signaller: opts.signaller,
      audit: opts.audit ?? unrecordedSignals,
      inspector: opts.inspector,
      clock: opts.clock ?? systemClock,
      logDir: opts.logDir,
      logMaxBytes: opts.logMaxBytes ?? DEFAULT_LOG_MAX_BYTES,
      terminateGraceSeconds: opts.terminateGraceSeconds ?? DEFAULT_TERMINATE_GRACE_SECONDS,
      lingerGraceSeconds: opts.lingerGraceSeconds ?? DEFAULT_LINGER_GRACE_SECONDS,
      emit,
      hostname: opts.hostname,
      apiUrl: typeof apiUrl === 'function' ? apiUrl : () => apiUrl,
      pollMs: Math.min(opts.pollMs ?? DEFAULT_POLL_MS, 250),
    };
    this.profiles = Object.entries(opts.profiles);
    this.maxConcurrentRuns = opts.maxConcurrentRuns;
  }

  /** Adopts the live runs a previous dispatcher of this host left behind, then starts dispatching. */
  start(): Promise<void> {
    this.starting ??= this.adoptThenRun();
    return this.starting;
  }

  private async adoptThenRun(): Promise<void> {
    // Adopted runs take their slots before anything new is claimed.
    const adopted = await adoptLiveRuns(this.deps, new Set(this.supervisors.keys()));
    for (const supervisor of adopted) this.track(supervisor);
    this.running = true;
    this.unsubscribe = this.store.onCommit((events) => this.onCommit(events));
    this.timer = setInterval(() => this.wake(), this.deps.pollMs);
    this.wake();
  }

  /**
   * Stops dispatching. By default terminates every worker and requeues its task; with leaveChildren the
   * workers keep running with their runs open, for the next dispatcher on this host to adopt.
   */
  async stop(opts: { leaveChildren?: boolean } = {}): Promise<void> {
    await this.starting?.catch(() => undefined);
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.cycle;
    await Promise.all(this.launches);
    const supervisors = [...this.supervisors.values()];
    if (opts.leaveChildren) {
      for (const supervisor of supervisors) supervisor.detach();
    }
    await Promise.all(supervisors.map((supervisor) => supervisor.shutdown()));
  }

  private onCommit(events: EventRow[]): void {
    let wake = false;
    for (const event of events) {
      if (WAKING_KINDS.has(event.kind)) wake = true;
      if (event.run_id !== null && RUN_CHANGING_KINDS.has(event.kind)) this.supervisors.get(event.run_id)?.recheckSoon();
    }
    if (wake) this.wake();
  }

  private wake(): void {
    if (!this.running) return;
    if (this.cycle !== null) {
      this.again = true;
      return;
    }
    this.cycle = this.runCycle()
      .catch((err: unknown) => this.deps.emit({ type: 'error', run_id: null, error: describe(err) }))
      .finally(() => {
        this.cycle = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async runCycle(): Promise<void> {
    for (const supervisor of this.supervisors.values()) {
      supervisor.tick().catch((err: unknown) => this.deps.emit({ type: 'error', run_id: supervisor.runId, error: describe(err) }));
    }
    for (const [name, profile] of this.profiles) {
      if (!this.usableProfile(name, profile)) continue;
      while (this.running && this.hasSlot(name, profile)) {
        if (!(await this.claimAndLaunch(name, profile))) break;
      }
    }
  }

  private usableProfile(name: string, profile: DispatchProfile): boolean {
    if (isProfileName(name) && profile.command.length > 0) return true;
    if (!this.reportedProfiles.has(name)) {
      this.reportedProfiles.add(name);
      this.deps.emit({ type: 'error', run_id: null, error: `profile ${JSON.stringify(name)} cannot be dispatched: bad name or empty command` });
    }
    return false;
  }

  private hasSlot(name: string, profile: DispatchProfile): boolean {
    let total = 0;
    for (const count of this.occupied.values()) total += count;
    const mine = this.occupied.get(name) ?? 0;
    return total < this.maxConcurrentRuns && mine < (profile.concurrency ?? DEFAULT_PROFILE_CONCURRENCY);
  }

  private async claimAndLaunch(name: string, profile: DispatchProfile): Promise<boolean> {
    const claimed = await this.store.claim({
      worker: name,
      host: this.opts.hostname,
      ttl_seconds: profile.lease_ttl_seconds ?? DEFAULT_LEASE_TTL_SECONDS,
      profile: name,
      max_runtime_seconds: profile.max_runtime_seconds ?? null,
      metadata: { dispatcher: true },
    });
    if (claimed === null) return false;
    this.adjust(name, +1);
    const predecessor = this.liveSupervisorOf(claimed.task.id);
    const launch = (async () => {
      // The task's previous process (timed out or reclaimed under it) may still be dying: one process per task.
      if (predecessor !== undefined) await predecessor.done;
      const supervisor = await launchRun(this.deps, name, profile, claimed);
      if (supervisor === null) {
        this.adjust(name, -1);
        this.wake();
      } else {
        this.track(supervisor, name);
      }
    })().catch((err: unknown) => {
      this.adjust(name, -1);
      this.deps.emit({ type: 'error', run_id: claimed.run.id, error: `launch: ${describe(err)}` });
    });
    this.launches.add(launch);
    void launch.finally(() => this.launches.delete(launch));
    return true;
  }

  private liveSupervisorOf(taskId: string): RunSupervisor | undefined {
    for (const supervisor of this.supervisors.values()) if (supervisor.taskId === taskId) return supervisor;
    return undefined;
  }

  /** `counted` names the profile whose slot a launch already took; adopted runs take theirs here. */
  private track(supervisor: RunSupervisor, counted?: string): void {
    const profile = counted ?? supervisor.profile ?? '';
    if (counted === undefined) this.adjust(profile, +1);
    this.supervisors.set(supervisor.runId, supervisor);
    void supervisor.done.finally(() => {
      this.supervisors.delete(supervisor.runId);
      this.adjust(profile, -1);
      this.wake();
    });
  }

  private adjust(profile: string, delta: number): void {
    const next = (this.occupied.get(profile) ?? 0) + delta;
    if (next <= 0) this.occupied.delete(profile);
    else this.occupied.set(profile, next);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
