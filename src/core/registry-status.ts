/** Whether a long-lived worker of the registry is alive, judged only by when its last beat was received. */

export type RegistryStatus = 'unknown' | 'ok' | 'stale';

/** A worker is `ok` while its last beat is younger than this many heartbeat intervals. */
export const STALE_AFTER_INTERVALS = 3;

export interface RegistryRow {
  name: string;
  status: RegistryStatus;
  /** When the registry received the last beat (never the worker's own claim of the time); null until heard. */
  last_heartbeat_ts: number | null;
  seconds_since: number | null;
  extra: Record<string, unknown>;
  host: string | null;
  pid: number | null;
  /** The worker's own uptime as of its last beat (`uptime_s`), null when it sends none. */
  uptime_s: number | null;
}

export function registryStatus(lastReceivedAt: number | null, now: number, intervalSeconds: number): RegistryStatus {
  if (lastReceivedAt === null) return 'unknown';
  return now - lastReceivedAt < STALE_AFTER_INTERVALS * intervalSeconds ? 'ok' : 'stale';
}
