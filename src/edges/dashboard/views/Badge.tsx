import type { ShownState } from '../logic/types.js';

const LABEL: Record<ShownState, string> = {
  starting: 'starting',
  healthy: 'healthy',
  stuck: 'stuck',
  lease_expiring: 'lease expiring',
  over_runtime: 'over runtime',
};

export function StateBadge({ state }: { state: ShownState }) {
  return <span class={`badge state-${state}`}>{LABEL[state]}</span>;
}

export function stateLabel(state: ShownState): string {
  return LABEL[state];
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}
