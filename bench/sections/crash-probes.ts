import type { SystemFactory } from '../systems/types.js';
import type { CrashResult } from '../results.js';
import { measurePeerCrash } from './crash.js';
import { measureDispatcherCrash } from './crash-dispatcher.js';

export interface CrashProbe {
  name: string;
  run(capSeconds: number): Promise<CrashResult>;
}

/**
 * Peers: their own worker in child processes. Pulseboard: the dispatcher, which is how Pulseboard runs
 * a crash-prone worker (one process per run), whenever any Pulseboard system is selected.
 */
export function crashProbes(selected: readonly SystemFactory[]): CrashProbe[] {
  const probes: CrashProbe[] = [];
  if (selected.some((s) => s.name.startsWith('pulseboard'))) {
    probes.push({ name: 'pulseboard-dispatcher', run: (cap) => measureDispatcherCrash(cap) });
  }
  for (const factory of selected.filter((s) => !s.name.startsWith('pulseboard'))) {
    probes.push({ name: factory.name, run: (cap) => measurePeerCrash(factory, cap) });
  }
  return probes;
}
