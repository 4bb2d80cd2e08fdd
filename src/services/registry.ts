import type { Bus, Subscription } from '../ports/bus.js';
import type { Clock } from '../ports/clock.js';
import { registryStatus } from '../core/registry-status.js';
import type { RegistryRow, RegistryStatus } from '../core/registry-status.js';
import { ALL_HEALTH_SUBJECTS, workerNameOfHealthSubject } from '../core/subjects.js';

export interface RegistryOptions {
  bus: Bus;
  clock: Clock;
  intervalSeconds: number;
  known: Iterable<string>;
  /**
   * The configured workers: listed first, in this order (the canonical list a person wrote down),
   * then every other known worker by name. They are known too.
   */
  configured?: readonly string[];
  /** How often statuses are re-evaluated against the clock to notice workers going stale. */
  checkEverySeconds?: number;
}

export type RegistryListener = (row: RegistryRow) => void;

interface Entry {
  name: string;
  lastReceivedAt: number | null;
  host: string | null;
  pid: number | null;
  uptimeSeconds: number | null;
  extra: Record<string, unknown>;
  /** The status listeners were last told about. */
  status: RegistryStatus;
  /** `ts` of beats this server recorded and published itself, until their echo comes back from the bus. */
  ownBeats: number[];
}

/** Fields of a beat the registry shows on their own, so they never reappear inside `extra`. */
const BASE_FIELDS = new Set(['ts', 'name', 'pid', 'host', 'uptime_s']);
/** A burst of beats from a large fleet must fit while the loop catches up. */
const HEALTH_QUEUE_SIZE = 65_536;
/** Echoes the bus dropped would otherwise stay listed forever; the oldest are forgotten past this many. */
const MAX_OWN_BEATS_AWAITED = 64;

/**
 * The live view of the known long-lived workers: `unknown` until heard, `ok` while beats keep
 * arriving, `stale` once they stop. Only the receive time counts, so a forged timestamp buys nothing.
 */
export class Registry {
  private readonly bus: Bus;
  private readonly clock: Clock;
  private readonly intervalSeconds: number;
  private readonly checkEveryMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly configuredNames: readonly string[];
  /** The other known workers, kept sorted as names are added, so a snapshot of a large fleet is a single pass. */
  private readonly sortedNames: string[];
  private readonly listeners = new Set<RegistryListener>();
  private readonly counters = { received: 0, dropped_unknown: 0, listener_errors: 0 };
  private subscription: Subscription | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(opts: RegistryOptions) {
    if (!(opts.intervalSeconds > 0)) throw new RangeError(`heartbeat interval must be positive, got ${opts.intervalSeconds}`);
    this.bus = opts.bus;
    this.clock = opts.clock;
    this.intervalSeconds = opts.intervalSeconds;
    this.checkEveryMs = (opts.checkEverySeconds ?? 1) * 1000;
    this.configuredNames = [...new Set(opts.configured ?? [])];
    for (const name of this.configuredNames) this.entries.set(name, newEntry(name));
    const configured = new Set(this.configuredNames);
    for (const name of opts.known) if (!this.entries.has(name)) this.entries.set(name, newEntry(name));
    this.sortedNames = [...this.entries.keys()].filter((name) => !configured.has(name)).sort(byCodeUnits);
  }

  addKnown(name: string): void {
    if (this.entries.has(name)) return;
    this.entries.set(name, newEntry(name));
    this.sortedNames.splice(insertionIndex(this.sortedNames, name), 0, name);
  }

  isKnown(name: string): boolean {
    return this.entries.has(name);
  }

  /** Stores a beat of a known worker; returns false (and counts it) for anyone else. */
  record(name: string, payload: unknown, receivedAt: number = this.clock.now()): boolean {
    this.counters.received++;
    const entry = this.entries.get(name);
    if (!entry) {
      this.counters.dropped_unknown++;
      return false;
    }
    // A beat that arrives after a newer one says nothing new about liveness.
    if (entry.lastReceivedAt !== null && receivedAt < entry.lastReceivedAt) return true;
    const fields = isRecord(payload) ? payload : {};
    entry.lastReceivedAt = receivedAt;
    entry.host = typeof fields.host === 'string' ? fields.host : null;
    entry.pid = Number.isInteger(fields.pid) && (fields.pid as number) > 0 ? (fields.pid as number) : null;
    entry.uptimeSeconds = typeof fields.uptime_s === 'number' && Number.isFinite(fields.uptime_s) && fields.uptime_s >= 0 ? fields.uptime_s : null;
    entry.extra = withoutBaseFields(fields);
    this.noticeChange(entry, this.clock.now());
    return true;
  }

  /**
   * A beat this server took in itself (HTTP) and publishes for the other servers: recorded now, so the row
   * is ok before the answer leaves, and its echo from this server's own subscription is then not recorded
   * a second time. Its `ts` must be the value published.
   */
  recordPublished(name: string, beat: { ts: number }, receivedAt: number): boolean {
    if (!this.record(name, beat, receivedAt)) return false;
    const awaited = (this.entries.get(name) as Entry).ownBeats;
    awaited.push(beat.ts);
    if (awaited.length > MAX_OWN_BEATS_AWAITED) awaited.shift();
    return true;
  }

  snapshot(): RegistryRow[] {
    const now = this.clock.now();
    const names = [this.configuredNames, this.sortedNames];
    const rows = new Array<RegistryRow>(this.configuredNames.length + this.sortedNames.length);
    let i = 0;
    for (const list of names) for (const name of list) rows[i++] = this.rowOf(this.entries.get(name) as Entry, now);
    return rows;
  }

  /** Re-judges every worker against the clock and tells listeners who changed; the timer calls this. */
  evaluate(): void {
    const now = this.clock.now();
    for (const entry of this.entries.values()) {
      if (entry.status === 'ok') this.noticeChange(entry, now);
    }
  }

  onChange(listener: RegistryListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  start(): void {
    if (this.subscription) return;
    const subscription = this.bus.subscribe(ALL_HEALTH_SUBJECTS, { queueSize: HEALTH_QUEUE_SIZE });
    this.subscription = subscription;
    void this.consume(subscription);
    this.timer = setInterval(() => this.evaluate(), this.checkEveryMs);
    // Watching the fleet is never a reason to keep the process alive.
    this.timer.unref();
  }

  stop(): void {
    this.subscription?.close();
    this.subscription = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  stats(): { received: number; dropped_unknown: number; listener_errors: number } {
    return { ...this.counters };
  }

  private async consume(subscription: Subscription): Promise<void> {
    for await (const message of subscription) {
      const name = workerNameOfHealthSubject(message.subject);
      if (name !== null && !this.isOwnEcho(name, message.data)) this.record(name, message.data);
    }
  }

  private isOwnEcho(name: string, payload: unknown): boolean {
    const awaited = this.entries.get(name)?.ownBeats;
    if (!awaited || awaited.length === 0 || !isRecord(payload)) return false;
    const at = awaited.indexOf(payload.ts as number);
    if (at < 0) return false;
    awaited.splice(at, 1);
    return true;
  }

  private noticeChange(entry: Entry, now: number): void {
    const status = registryStatus(entry.lastReceivedAt, now, this.intervalSeconds);
    if (status === entry.status) return;
    entry.status = status;
    const row = this.rowOf(entry, now);
    for (const listener of this.listeners) {
      // One faulty listener must neither silence the others nor break the registry.
      try {
        listener(row);
      } catch {
        this.counters.listener_errors++;
      }
    }
  }

  private rowOf(entry: Entry, now: number): RegistryRow {
    const last = entry.lastReceivedAt;
    return {
      name: entry.name,
      status: registryStatus(last, now, this.intervalSeconds),
      last_heartbeat_ts: last,
      seconds_since: last === null ? null : Math.max(0, now - last),
      extra: { ...entry.extra },
      host: entry.host,
      pid: entry.pid,
      uptime_s: entry.uptimeSeconds,
    };
  }
}

function newEntry(name: string): Entry {
  return { name, lastReceivedAt: null, host: null, pid: null, uptimeSeconds: null, extra: {}, status: 'unknown', ownBeats: [] };
}

function withoutBaseFields(fields: Record<string, unknown>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!BASE_FIELDS.has(key)) extra[key] = value;
  }
  return extra;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Plain code-unit order: the same on every machine, whatever its locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function insertionIndex(sorted: string[], name: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) < name) low = middle + 1;
    else high = middle;
  }
  return low;
}
