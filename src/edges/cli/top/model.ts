import type { ActiveRun, ActiveRunState, TaskStatus } from '../../../core/types.js';
import type { InspectAnswer, RegistryWorker } from '../../../sdk/api-types.js';

/** What `top` knows and how it is asked to show it; rendering is a pure function of this and the size. */
export interface TopState {
  url: string;
  /** Server time of the last refresh (epoch seconds). */
  now: number;
  runs: ActiveRun[];
  /** The inspect answer per run id from the last many-runs inspect; empty when the server has none. */
  inspections: ReadonlyMap<number, InspectAnswer>;
  /** Set when the server cannot inspect many runs in one request: top then shows no process figures. */
  inspectUnavailable: boolean;
  workers: RegistryWorker[];
  /** The board the header counts and the board view show. */
  boardName: string;
  /** That board's columns. */
  board: { name: TaskStatus; count: number; tasks: { id: string; title: string; assignee: string | null; priority: number }[] }[];
  lastEventId: number | null;
  connection: 'connecting' | 'live' | 'reconnecting';
  view: 'runs' | 'workers' | 'board';
  selected: number;
  /** First row shown, for scrolling. */
  offset: number;
  filter: string;
  /** Text typed after `/`, not yet applied. */
  editingFilter: string | null;
  stateFilter: ActiveRunState | null;
  sort: SortKey;
  reverse: boolean;
  paused: boolean;
  overlay: Overlay | null;
  /** A question awaiting y/N. */
  prompt: { kind: 'terminate'; runId: number; text: string } | null;
  /** The last thing that happened, shown in the footer. */
  message: string | null;
  error: string | null;
}

export type Overlay =
  | { kind: 'help' }
  | { kind: 'inspect'; runId: number }
  | { kind: 'log'; runId: number; lines: string[] | null; error: string | null };

export const SORT_KEYS = ['severity', 'progress', 'cpu', 'rss', 'elapsed', 'run'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export const STATE_KEYS: Record<string, ActiveRunState> = { '1': 'healthy', '2': 'stuck', '3': 'lease_expiring', '4': 'over_runtime' };

/** Worst first: a run past its limit, then one making no progress, then one about to lose its lease. */
const SEVERITY: Record<ActiveRunState, number> = { over_runtime: 0, stuck: 1, lease_expiring: 2, healthy: 3 };

export function initialState(url: string, boardName = 'default'): TopState {
  return {
    url,
    boardName,
    now: Date.now() / 1000,
    runs: [],
    inspections: new Map(),
    inspectUnavailable: false,
    workers: [],
    board: [],
    lastEventId: null,
    connection: 'connecting',
    view: 'runs',
    selected: 0,
    offset: 0,
    filter: '',
    editingFilter: null,
    stateFilter: null,
    sort: 'severity',
    reverse: false,
    paused: false,
    overlay: null,
    prompt: null,
    message: null,
    error: null,
  };
}

/** The runs shown, filtered and sorted as the state says. */
export function visibleRuns(state: TopState): ActiveRun[] {
  const needle = state.filter.toLowerCase();
  const rows = state.runs.filter(
    (r) =>
      (state.stateFilter === null || r.state === state.stateFilter) &&
      (needle === '' ||
        [r.worker, r.host, r.task_id, r.task_title, r.profile ?? '', String(r.run_id), String(r.worker_pid ?? '')].some((field) =>
          field.toLowerCase().includes(needle),
        )),
  );
  const compare = comparator(state);
  rows.sort((a, b) => (state.reverse ? -compare(a, b) : compare(a, b)));
  return rows;
}

function comparator(state: TopState): (a: ActiveRun, b: ActiveRun) => number {
  const progressAge = (r: ActiveRun) => state.now - (r.last_progress_at ?? r.started_at);
  const figure = (r: ActiveRun, field: 'cpu_percent' | 'memory_rss_bytes') => {
    const look = state.inspections.get(r.run_id);
    return look?.alive ? look[field] : -1;
  };
  const byProgress = (a: ActiveRun, b: ActiveRun) => progressAge(b) - progressAge(a);
  switch (state.sort) {
    case 'severity':
      return (a, b) => SEVERITY[a.state] - SEVERITY[b.state] || byProgress(a, b) || a.run_id - b.run_id;
    case 'progress':
      return (a, b) => byProgress(a, b) || a.run_id - b.run_id;
    case 'cpu':
      return (a, b) => figure(b, 'cpu_percent') - figure(a, 'cpu_percent') || a.run_id - b.run_id;
    case 'rss':
      return (a, b) => figure(b, 'memory_rss_bytes') - figure(a, 'memory_rss_bytes') || a.run_id - b.run_id;
    case 'elapsed':
      return (a, b) => a.started_at - b.started_at || a.run_id - b.run_id;
    case 'run':
      return (a, b) => a.run_id - b.run_id;
  }
}

export function countBy<T, K extends string>(items: readonly T[], key: (item: T) => K): Partial<Record<K, number>> {
  const counts: Partial<Record<K, number>> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** The run under the cursor in the runs view, if any. */
export function selectedRun(state: TopState): ActiveRun | undefined {
  return state.view === 'runs' ? visibleRuns(state)[state.selected] : undefined;
}

/** How many rows the current view lists (for moving the cursor). */
export function rowCount(state: TopState): number {
  if (state.view === 'runs') return visibleRuns(state).length;
  if (state.view === 'workers') return state.workers.length;
  return 0;
}
