import { hostname } from 'node:os';
import type { Bus } from '../ports/bus.js';
import { systemClock } from '../ports/clock.js';
import type { Clock } from '../ports/clock.js';
import { healthSubject } from '../core/subjects.js';

export type HeartbeatExtra = () => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface HeartbeatStats {
  sent: number;
  failed: number;
  /** Beats that went out without extra because `extra` threw, rejected or took longer than an interval. */
  extra_failed: number;
  last_error: string | null;
}

export interface Heartbeat {
  /** Idempotent; a beat still gathering its extra when stopped is not sent. */
  stop(): void;
  stats(): HeartbeatStats;
}

export interface BusHeartbeatOptions {
  bus: Bus;
  name: string;
  intervalSeconds: number;
  host?: string;
  extra?: HeartbeatExtra;
  clock?: Clock;
}

/** Publishes `system.<name>.health` at once, then every interval. */
export function startHeartbeat(opts: BusHeartbeatOptions): Heartbeat {
  const subject = healthSubject(opts.name);
  const clock = opts.clock ?? systemClock;
  const host = opts.host ?? hostname();
  const startedAt = clock.now() - process.uptime();
  return startBeating(opts.intervalSeconds, opts.extra, (extra) => {
    const now = clock.now();
    // Base fields come last: extra may add to a beat but never disguise who sent it or when.
    opts.bus.publish(subject, { ...extra, ts: now, uptime_s: now - startedAt, pid: process.pid, host });
    return Promise.resolve();
  });
}

type Send = (extra: Record<string, unknown>) => Promise<void>;

function startBeating(intervalSeconds: number, extraFn: HeartbeatExtra | undefined, send: Send): Heartbeat {
  if (!(intervalSeconds > 0) || !Number.isFinite(intervalSeconds)) {
    throw new RangeError(`heartbeat interval must be a positive number of seconds, got ${intervalSeconds}`);
  }
  const intervalMs = intervalSeconds * 1000;
  const stats: HeartbeatStats = { sent: 0, failed: 0, extra_failed: 0, last_error: null };
  let stopped = false;
  let inFlight = false;

  const beat = async (): Promise<void> => {
    // A beat slower than the interval must not pile up behind itself.
    if (inFlight || stopped) return;
    inFlight = true;
    try {
      const extra = await gatherExtra(extraFn, intervalMs);
      if (extra === null) stats.extra_failed++;
      if (stopped) return;
      await send(extra ?? {});
      stats.sent++;
    } catch (error) {
      stats.failed++;
      stats.last_error = error instanceof Error ? error.message : String(error);
    } finally {
      inFlight = false;
    }
  };

  void beat();
  const timer = setInterval(() => void beat(), intervalMs);
  // Heartbeats report on a process; they are no reason to keep it running.
  timer.unref();

  return {
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
    stats: () => ({ ...stats }),
  };
}

/** The extra fields, or null when they could not be had in time; never throws. */
async function gatherExtra(
  extraFn: HeartbeatExtra | undefined,
  deadlineMs: number,
): Promise<Record<string, unknown> | null> {
  if (!extraFn) return {};
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), deadlineMs);
  });
  try {
    const extra = await Promise.race([Promise.resolve().then(extraFn), late]);
    return isPlainRecord(extra) ? extra : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
