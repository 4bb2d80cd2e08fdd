import { signal } from '@preact/signals';
import { api } from '../api.js';
import { createRefresher } from '../logic/refresher.js';
import type { StatsAnswer } from '../logic/types.js';

export const stats = signal<StatsAnswer | null>(null);
export const statsError = signal('');

async function readStats(): Promise<void> {
  try {
    stats.value = await api<StatsAnswer>('GET', '/api/stats?minutes=60');
    statsError.value = '';
  } catch (err) {
    statsError.value = err instanceof Error ? err.message : String(err);
  }
}

/** Runs that start or end ask for a new reading; at most one every 5 s (the buckets are minutes). */
export const statsRefresher = createRefresher(readStats, 5000);
