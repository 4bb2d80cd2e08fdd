import { useComputed, useSignal } from '@preact/signals';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { formatBytes, formatCount, formatDuration, formatLeft, formatPercent } from '../logic/format.js';
import {
  countByState,
  DEFAULT_RUN_SORT,
  distinct,
  filterRuns,
  HISTORY_SECONDS,
  NO_RUN_FILTER,
  SHOWN_STATES,
  shownState,
  sortRuns,
} from '../logic/runs.js';
import type { Figures, RunColumn, RunFilter, RunSort } from '../logic/runs.js';
import { sparklineSpan } from '../logic/sparkline.js';
import type { ActiveRun, ShownState } from '../logic/types.js';
import { figuresOf, figuresRound, latestFigures, runs, runsError, runsLoaded, runsRefresher, setRowVisible } from '../state/active.js';
import { reclaimTask } from '../state/board.js';
import { now } from '../state/clock.js';
import { link } from '../state/live.js';
import { openTask } from '../state/drawer.js';
import { canAct } from '../state/session.js';
import { StateBadge, stateLabel } from './Badge.js';
import { Sparkline } from './Sparkline.js';
import { TerminateDialog } from './TerminateDialog.js';

const ROW_HEIGHT = 30;
/** The least RSS change that fills a sparkline's height: smaller moves stay small, a steady process is level. */
const RSS_SPARK_FLOOR = 4 * 1024 * 1024;

/** What a sparkline shows, in words (its tooltip and its name for a screen reader). */
function rangeLabel(what: string, figures: Figures, values: readonly number[], now: number, format: (n: number) => string): string {
  if (values.length === 0) return `${what}: no reading yet`;
  const span = Math.round(sparklineSpan(figures.at, now, HISTORY_SECONDS));
  return `${what} over the last ${span === HISTORY_SECONDS ? 'minute' : `${span} s`}: ${format(Math.min(...values))} to ${format(Math.max(...values))}`;
}
const OVERSCAN = 6;

/** short: the label below 1200 px wide, where the columns must fit 1024. */
const COLUMNS: { id: RunColumn; label: string; short?: string; title?: string; numeric?: boolean }[] = [
  { id: 'state', label: 'State' },
  { id: 'worker', label: 'Worker' },
  { id: 'host', label: 'Host' },
  { id: 'pid', label: 'PID', numeric: true },
  { id: 'task', label: 'Task' },
  { id: 'profile', label: 'Profile' },
  { id: 'elapsed', label: 'Run time', short: 'Run', title: 'time since the claim, against the max runtime', numeric: true },
  { id: 'heartbeat', label: 'HB', title: 'seconds since the last heartbeat', numeric: true },
  { id: 'progress', label: 'Progress', short: 'Prog', title: 'seconds since the worker last reported progress', numeric: true },
  { id: 'lease', label: 'Lease', title: 'lease left', numeric: true },
  { id: 'cpu', label: 'CPU %', numeric: true },
  { id: 'rss', label: 'RSS', numeric: true },
  { id: 'threads', label: 'Thr', title: 'threads', numeric: true },
  { id: 'fds', label: 'FDs', title: 'open file descriptors', numeric: true },
];

export function ExecutorPanel() {
  const filter = useSignal<RunFilter>(NO_RUN_FILTER);
  const sort = useSignal<RunSort>(DEFAULT_RUN_SORT);
  const [terminating, setTerminating] = useState<ActiveRun | null>(null);
  const [actionError, setActionError] = useState('');

  const counts = useComputed(() => countByState(runs.value));
  const boardsList = useComputed(() => distinct(runs.value, 'board'));
  const hosts = useComputed(() => distinct(runs.value, 'host'));
  // Ticking columns re-sort once a second; figure columns when a reading round lands.
  const shown = useComputed(() => {
    const s = sort.value;
    const ticking = s.column === 'elapsed' || s.column === 'heartbeat' || s.column === 'progress' || s.column === 'lease';
    const at = ticking ? now.value : 0;
    if (s.column === 'cpu' || s.column === 'rss' || s.column === 'threads' || s.column === 'fds') void figuresRound.value;
    return sortRuns(filterRuns(runs.value, filter.value), latestFigures, s, at);
  });

  const setFilter = (patch: Partial<RunFilter>) => {
    filter.value = { ...filter.value, ...patch };
  };
  const sortBy = (column: RunColumn) => {
    const s = sort.value;
    sort.value = s.column === column ? { column, descending: !s.descending } : { column, descending: column === 'cpu' || column === 'rss' };
  };

  const reclaim = async (run: ActiveRun) => {
    if (!confirm(`Reclaim ${run.task_id} from ${run.worker}${run.worker_pid ? ` (pid ${run.worker_pid})` : ''}? Its run ends and the task goes back to ready.`)) return;
    try {
      await reclaimTask(run.task_id);
      runsRefresher.request();
    } catch (err) {
      setActionError(err instanceof Error ? err.message : String(err));
    }
  };

  const total = runs.value.length;
  return (
    <section class="panel executor" aria-labelledby="executor-title">
      <header class="panel-head">
        <h2 id="executor-title">Executor</h2>
        <div class="state-counts" role="group" aria-label="Live runs by state">
          <button type="button" class={`count-chip ${filter.value.state === '' ? 'on' : ''}`} onClick={() => setFilter({ state: '' })}>
            <b>{total}</b> live
          </button>
          {SHOWN_STATES.map((state) => (
            <button
              type="button"
              key={state}
              class={`count-chip chip-${state} ${filter.value.state === state ? 'on' : ''} ${counts.value[state] === 0 ? 'zero' : ''}`}
              aria-pressed={filter.value.state === state}
              onClick={() => setFilter({ state: filter.value.state === state ? '' : state })}
            >
              <b>{counts.value[state]}</b> {stateLabel(state)}
            </button>
          ))}
        </div>
        <div class="filters">
          <select aria-label="Board" value={filter.value.board} onChange={(e) => setFilter({ board: (e.target as HTMLSelectElement).value })}>
            <option value="">all boards</option>
            {boardsList.value.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
          <select aria-label="Host" value={filter.value.host} onChange={(e) => setFilter({ host: (e.target as HTMLSelectElement).value })}>
            <option value="">all hosts</option>
            {hosts.value.map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
          <input
            type="search"
            class="filter-text"
            aria-label="Filter runs"
            placeholder="Filter: task, worker, pid…  ( / )"
            value={filter.value.text}
            onInput={(e) => setFilter({ text: (e.target as HTMLInputElement).value })}
            data-shortcut="/"
          />
        </div>
      </header>
      {runsError.value && link.value.status === 'live' && <p class="notice">Could not read live runs: {runsError.value}</p>}
      {actionError && (
        <p class="notice" role="alert">
          {actionError}{' '}
          <button type="button" class="link" onClick={() => setActionError('')}>
            dismiss
          </button>
        </p>
      )}
      {runsLoaded.value && total === 0 ? (
        <EmptyExecutor />
      ) : (
        <RunTable rows={shown.value} sort={sort.value} onSort={sortBy} onTerminate={setTerminating} onReclaim={reclaim} filtered={total - shown.value.length} />
      )}
      {terminating && <TerminateDialog run={terminating} onClose={() => setTerminating(null)} />}
    </section>
  );
}

function EmptyExecutor() {
  return (
    <div class="empty">
      <p>
        <strong>No live runs.</strong> Nothing is working on a task right now.
      </p>
      <p class="muted">
        Start a worker: <code>npx pulseboard worker -- ./my-script.sh</code> claims ready tasks and runs the command for each; or give a task an
        assignee that names a profile of <code>pulseboard.config.json</code> and the dispatcher starts it.
      </p>
    </div>
  );
}

function RunTable(props: {
  rows: ActiveRun[];
  sort: RunSort;
  filtered: number;
  onSort: (c: RunColumn) => void;
  onTerminate: (r: ActiveRun) => void;
  onReclaim: (r: ActiveRun) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 600 });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    let frame = 0;
    const measure = () => {
      frame = 0;
      setView({ top: el.scrollTop, height: el.clientHeight });
    };
    const onScroll = () => {
      if (frame === 0) frame = requestAnimationFrame(measure);
    };
    measure();
    el.addEventListener('scroll', onScroll, { passive: true });
    const observer = new ResizeObserver(onScroll);
    observer.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      observer.disconnect();
      cancelAnimationFrame(frame);
    };
  }, []);

  const first = Math.max(0, Math.floor(view.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(props.rows.length, Math.ceil((view.top + view.height) / ROW_HEIGHT) + OVERSCAN);
  const slice = props.rows.slice(first, last);
  const actions = canAct.value;

  // Only the rows on screen are inspected: a thousand live runs cost a screenful of /proc reads.
  useEffect(() => {
    const ids = slice.map((r) => r.run_id);
    for (const id of ids) setRowVisible(id, true);
    return () => {
      for (const id of ids) setRowVisible(id, false);
    };
  }, [slice.map((r) => r.run_id).join(',')]);

  return (
    <div class="table-scroll" ref={scroller} tabIndex={-1}>
      <table class="runs">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th
                key={c.id}
                scope="col"
                class={`col-${c.id} ${c.numeric && c.id !== 'cpu' && c.id !== 'rss' ? 'num' : ''}`}
                aria-sort={props.sort.column === c.id ? (props.sort.descending ? 'descending' : 'ascending') : 'none'}
                title={c.title}
              >
                <button type="button" class="sort" onClick={() => props.onSort(c.id)}>
                  {c.short ? (
                    <>
                      <span class="label-long">{c.label}</span>
                      <span class="label-short">{c.short}</span>
                    </>
                  ) : (
                    c.label
                  )}
                  <span class="sort-mark" aria-hidden="true">
                    {props.sort.column === c.id ? (props.sort.descending ? '▾' : '▴') : ''}
                  </span>
                </button>
              </th>
            ))}
            <th scope="col" class="actions-col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {first > 0 && <tr class="spacer" style={{ height: `${first * ROW_HEIGHT}px` }} aria-hidden="true" />}
          {slice.map((run) => (
            <RunRow key={run.run_id} run={run} actions={actions} onTerminate={props.onTerminate} onReclaim={props.onReclaim} />
          ))}
          {last < props.rows.length && <tr class="spacer" style={{ height: `${(props.rows.length - last) * ROW_HEIGHT}px` }} aria-hidden="true" />}
        </tbody>
      </table>
      {props.rows.length === 0 && <p class="empty muted">No live run matches the filter ({props.filtered} hidden).</p>}
    </div>
  );
}

function RunRow(props: { run: ActiveRun; actions: boolean; onTerminate: (r: ActiveRun) => void; onReclaim: (r: ActiveRun) => void }) {
  const { run } = props;
  const figures = figuresOf(run.run_id).value;
  const t = now.value;
  const state: ShownState = shownState(run);
  const live = figures.last?.alive ? figures.last : null;
  const gone = figures.last && !figures.last.alive ? figures.last.reason : null;
  const elapsed = t - run.started_at;
  const over = run.max_runtime_seconds !== null && elapsed > run.max_runtime_seconds;
  const lease = run.claim_expires - t;
  return (
    <tr class={`run-row row-${state}`} data-run-id={run.run_id} data-pid={run.worker_pid ?? ''}>
      <td>
        <StateBadge state={state} />
      </td>
      <td class="col-worker" title={run.claim_lock}>
        {run.worker}
      </td>
      <td class="col-host">{run.host}</td>
      <td class="num pid">{run.worker_pid ?? '—'}</td>
      <td class="task">
        <button type="button" class="link task-link" onClick={() => openTask(run.task_id)} title={`${run.task_id} · run ${run.run_id}`}>
          {run.task_title}
        </button>
        <span class="board-tag">{run.board}</span>
      </td>
      <td class="col-profile">{run.profile ?? '—'}</td>
      <td class={`num ${over ? 'warn' : ''}`}>
        {formatDuration(elapsed)}
        {run.max_runtime_seconds !== null && <span class="muted"> / {formatDuration(run.max_runtime_seconds)}</span>}
      </td>
      <td class="num">{formatDuration(t - run.last_heartbeat_at)}</td>
      <td class={`num ${state === 'stuck' ? 'warn' : ''}`}>{run.last_progress_at === null ? 'never' : formatDuration(t - run.last_progress_at)}</td>
      <td class={`num ${lease < 10 ? 'warn' : ''}`}>{formatLeft(lease)}</td>
      <td class="fig" title={gone ?? undefined}>
        <span class="cpu">{gone ? 'gone' : formatPercent(live?.cpu_percent)}</span>
        <Sparkline values={figures.cpu} at={figures.at} now={t} floor={5} label={rangeLabel('CPU %', figures, figures.cpu, t, formatPercent)} />
      </td>
      <td class="fig">
        <span class="rss">{formatBytes(live?.memory_rss_bytes)}</span>
        <Sparkline values={figures.rss} at={figures.at} now={t} base="own" floor={RSS_SPARK_FLOOR} label={rangeLabel('RSS', figures, figures.rss, t, formatBytes)} />
      </td>
      <td class="num col-threads">{formatCount(live?.num_threads)}</td>
      <td class="num col-fds">{formatCount(live?.num_fds)}</td>
      <td class="row-actions">
        <button type="button" class="small" onClick={() => openTask(run.task_id, 'log')} aria-label={`Open the log of run ${run.run_id}`}>
          Log
        </button>
        {props.actions && (
          <>
          <button type="button" class="small danger-outline" onClick={() => props.onTerminate(run)} aria-label={`Terminate run ${run.run_id}`}>
            Terminate
          </button>
          <button type="button" class="small" onClick={() => props.onReclaim(run)} aria-label={`Reclaim ${run.task_id}`}>
            Reclaim
          </button>
          </>
        )}
      </td>
    </tr>
  );
}
