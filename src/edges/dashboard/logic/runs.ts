import type { ActiveRun, Inspection, ShownState } from './types.js';

export const SHOWN_STATES: readonly ShownState[] = ['starting', 'healthy', 'stuck', 'lease_expiring', 'over_runtime'];

/** Worst first: the order of the counts on top and of the default sort. */
const STATE_RANK: Record<ShownState, number> = { over_runtime: 0, stuck: 1, lease_expiring: 2, starting: 3, healthy: 4 };

export function shownState(run: ActiveRun): ShownState {
  return run.worker_pid === null ? 'starting' : run.state;
}

export interface Figures {
  /** The latest inspection; null until the first arrives. */
  last: Inspection | null;
  /** CPU % and RSS of the last minute, oldest first, at the instants in `at`. */
  cpu: number[];
  rss: number[];
  at: number[];
}

export const EMPTY_FIGURES: Figures = { last: null, cpu: [], rss: [], at: [] };
export const HISTORY_SECONDS = 60;

/** Adds an inspection to a run's history, keeping the last minute; a dead reading ends the lines. */
export function addReading(figures: Figures, reading: Inspection, at: number): Figures {
  if (!reading.alive) return { last: reading, cpu: figures.cpu, rss: figures.rss, at: figures.at };
  const keepFrom = at - HISTORY_SECONDS;
  let first = 0;
  while (first < figures.at.length && (figures.at[first] as number) < keepFrom) first++;
  return {
    last: reading,
    cpu: [...figures.cpu.slice(first), reading.cpu_percent],
    rss: [...figures.rss.slice(first), reading.memory_rss_bytes],
    at: [...figures.at.slice(first), at],
  };
}

export type RunColumn =
  | 'state'
  | 'worker'
  | 'host'
  | 'pid'
  | 'task'
  | 'board'
  | 'profile'
  | 'elapsed'
  | 'heartbeat'
  | 'progress'
  | 'lease'
  | 'cpu'
  | 'rss'
  | 'threads'
  | 'fds';

export interface RunSort {
  column: RunColumn;
  descending: boolean;
}

export const DEFAULT_RUN_SORT: RunSort = { column: 'state', descending: false };

type Value = number | string | null;

/** What a column sorts by; `now` in server seconds, so ticking columns sort as they read. */
export function sortValue(run: ActiveRun, figures: Figures | undefined, column: RunColumn, now: number): Value {
  const live = figures?.last?.alive ? figures.last : null;
  switch (column) {
    case 'state':
      return STATE_RANK[shownState(run)];
    case 'worker':
      return run.worker;
    case 'host':
      return run.host;
    case 'pid':
      return run.worker_pid;
    case 'task':
      return run.task_title;
    case 'board':
      return run.board;
    case 'profile':
      return run.profile;
    case 'elapsed':
      return now - run.started_at;
    case 'heartbeat':
      return now - run.last_heartbeat_at;
    case 'progress':
      return run.last_progress_at === null ? null : now - run.last_progress_at;
    case 'lease':
      return run.claim_expires - now;
    case 'cpu':
      return live ? live.cpu_percent : null;
    case 'rss':
      return live ? live.memory_rss_bytes : null;
    case 'threads':
      return live ? live.num_threads : null;
    case 'fds':
      return live ? live.num_fds : null;
  }
}

/** Sorted copy; missing values always last, ties by run id so rows never swap places between ticks. */
export function sortRuns(
  runs: readonly ActiveRun[],
  figures: ReadonlyMap<number, Figures>,
  sort: RunSort,
  now: number,
): ActiveRun[] {
  const keyed = runs.map((run) => ({ run, value: sortValue(run, figures.get(run.run_id), sort.column, now) }));
  const sign = sort.descending ? -1 : 1;
  keyed.sort((a, b) => {
    if (a.value === null || b.value === null) {
      if (a.value !== b.value) return a.value === null ? 1 : -1;
      return a.run.run_id - b.run.run_id;
    }
    const order = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : String(a.value).localeCompare(String(b.value));
    return order === 0 ? a.run.run_id - b.run.run_id : sign * order;
  });
  return keyed.map((k) => k.run);
}

export interface RunFilter {
  state: ShownState | '';
  board: string;
  host: string;
  text: string;
}

export const NO_RUN_FILTER: RunFilter = { state: '', board: '', host: '', text: '' };

export function filterRuns(runs: readonly ActiveRun[], filter: RunFilter): ActiveRun[] {
  const text = filter.text.trim().toLowerCase();
  return runs.filter((run) => {
    if (filter.state && shownState(run) !== filter.state) return false;
    if (filter.board && run.board !== filter.board) return false;
    if (filter.host && run.host !== filter.host) return false;
    if (!text) return true;
    const haystack = `${run.task_title} ${run.task_id} ${run.worker} ${run.profile ?? ''} ${run.worker_pid ?? ''} ${run.run_id}`;
    return haystack.toLowerCase().includes(text);
  });
}

export function countByState(runs: readonly ActiveRun[]): Record<ShownState, number> {
  const counts: Record<ShownState, number> = { starting: 0, healthy: 0, stuck: 0, lease_expiring: 0, over_runtime: 0 };
  for (const run of runs) counts[shownState(run)]++;
  return counts;
}

/** Distinct values of a field, sorted, for the filter menus. */
export function distinct(runs: readonly ActiveRun[], field: 'board' | 'host'): string[] {
  return [...new Set(runs.map((run) => run[field]))].sort();
}
