import { batch, signal } from '@preact/signals';
import { api } from '../api.js';
import { mergeWorkerRow } from '../logic/registry.js';
import type { RegistryRow } from '../logic/types.js';
import { learnServerTime } from './clock.js';

export const workers = signal<RegistryRow[]>([]);
export const busConnected = signal(true);
export const workersLoaded = signal(false);

export async function readWorkers(): Promise<void> {
  const answer = await api<{ workers: RegistryRow[]; generated_at: number; bus_connected: boolean }>('GET', '/api/workers');
  learnServerTime(answer.generated_at);
  batch(() => {
    workers.value = answer.workers;
    busConnected.value = answer.bus_connected;
    workersLoaded.value = true;
  });
}

export function applyWorkerRows(rows: readonly RegistryRow[]): void {
  let next = workers.value;
  for (const row of rows) next = mergeWorkerRow(next, row);
  workers.value = next;
}

export async function stopWorker(name: string): Promise<void> {
  await api('POST', `/api/workers/${encodeURIComponent(name)}/stop`, {});
}
