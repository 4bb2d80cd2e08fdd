import type { RegistryRow, RegistryStatus } from './types.js';

/** The same rule as the server (core/registry-status): ok for 3 intervals after the last beat received. */
const STALE_AFTER_INTERVALS = 3;

/**
 * The status shown now: a row the server sent as ok turns stale on the page when its window runs out,
 * without waiting for the server's own change event.
 */
export function statusNow(row: RegistryRow, receivedAgo: number | null, intervalSeconds: number): RegistryStatus {
  if (row.last_heartbeat_ts === null || receivedAgo === null) return 'unknown';
  return receivedAgo < STALE_AFTER_INTERVALS * intervalSeconds ? 'ok' : 'stale';
}

/** A changed row replaces its namesake in place, keeping the server's order; a new name goes last. */
export function mergeWorkerRow(rows: readonly RegistryRow[], row: RegistryRow): RegistryRow[] {
  const at = rows.findIndex((r) => r.name === row.name);
  if (at < 0) return [...rows, row];
  const next = rows.slice();
  next[at] = row;
  return next;
}

export function countByStatus(rows: readonly RegistryRow[], statusOf: (row: RegistryRow) => RegistryStatus): Record<RegistryStatus, number> {
  const counts: Record<RegistryStatus, number> = { ok: 0, stale: 0, unknown: 0 };
  for (const row of rows) counts[statusOf(row)]++;
  return counts;
}
