import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatClock } from '../logic/format.js';
import { countByState } from '../logic/runs.js';
import { countByStatus } from '../logic/registry.js';
import { runs } from '../state/active.js';
import { link } from '../state/live.js';
import { activity } from '../state/activity.js';
import { boardName, columns } from '../state/board.js';
import { now } from '../state/clock.js';
import { stats, statsError, statsRefresher } from '../state/overview.js';
import { workers } from '../state/registry.js';
import { shownStatus } from './WorkersPanel.js';

export function Overview() {
  useEffect(() => statsRefresher.request(), []);
  const s = stats.value;
  const runCounts = countByState(runs.value);
  const workerCounts = countByStatus(workers.value, (row) => shownStatus(row, now.value));
  const byColumn = Object.fromEntries(columns.value.map((c) => [c.name, c.tasks.length]));
  const lastHour = s ? s.buckets.reduce((acc, b) => ({ completed: acc.completed + b.completed, failed: acc.failed + b.failed }), { completed: 0, failed: 0 }) : null;
  return (
    <section class="panel overview" aria-labelledby="overview-title">
      <header class="panel-head">
        <h2 id="overview-title">Overview</h2>
        <span class="muted small">last hour, per minute</span>
      </header>
      <div class="tiles">
        <Tile label="live runs" value={runs.value.length} detail={`${runCounts.stuck} stuck · ${runCounts.lease_expiring} lease expiring · ${runCounts.over_runtime} over runtime`} />
        <Tile label="workers ok" value={workerCounts.ok} detail={`${workerCounts.stale} stale · ${workerCounts.unknown} unknown`} warn={workerCounts.stale > 0} />
        <Tile label="ready" value={byColumn.ready ?? 0} detail={`on board ${boardName.value}: ${byColumn.blocked ?? 0} blocked · ${byColumn.todo ?? 0} waiting on parents`} />
        <Tile label="completed / failed (1 h)" value={lastHour ? `${lastHour.completed} / ${lastHour.failed}` : '—'} detail="failed counts crashed and timed out; terminated or reclaimed runs are neither" warn={(lastHour?.failed ?? 0) > 0} />
      </div>
      {/* While the stream is down the reconnect indicator already says so; a failed read then is no news. */}
      {statsError.value && link.value.status === 'live' && <p class="notice">Could not read the figures: {statsError.value}</p>}
      <div class="charts">
        <Chart title="Runs ended per minute" series={['completed', 'failed']} />
        <Chart title="Live runs" series={['live']} />
      </div>
      <h3>Activity</h3>
      <ActivityList />
    </section>
  );
}

function Tile(props: { label: string; value: number | string; detail: string; warn?: boolean }) {
  return (
    <div class={`tile ${props.warn ? 'tile-warn' : ''}`}>
      <div class="tile-value">{props.value}</div>
      <div class="tile-label">{props.label}</div>
      <div class="tile-detail muted">{props.detail}</div>
    </div>
  );
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

const COLORS: Record<string, string> = { completed: '--ok', failed: '--bad', live: '--accent' };

function Chart({ title, series }: { title: string; series: ('completed' | 'failed' | 'live')[] }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const resize = useRef<ResizeObserver | null>(null);
  const s = stats.value;
  useEffect(() => {
    const el = host.current;
    if (!el || !s) return;
    const data: uPlot.AlignedData = [s.buckets.map((b) => b.t), ...series.map((name) => s.buckets.map((b) => b[name]))];
    if (plot.current) {
      plot.current.setData(data);
      return;
    }
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid'), width: 1 } };
    plot.current = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height: 180,
        cursor: { drag: { x: false, y: false } },
        legend: { show: false },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
        axes: [{ ...axis, values: (_u, ticks) => ticks.map((t) => formatClock(t).slice(0, 5)) }, { ...axis, size: 40 }],
        series: [
          {},
          ...series.map((name) => ({
            label: name,
            stroke: cssVar(COLORS[name] as string),
            width: 1.5,
            fill: name === 'live' ? `${cssVar('--accent')}22` : undefined,
            points: { show: false },
          })),
        ],
      },
      data,
      el,
    );
    const observer = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: 180 }));
    observer.observe(el);
    resize.current = observer;
  }, [s]);
  useEffect(
    () => () => {
      resize.current?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    },
    [],
  );
  return (
    <figure class="chart">
      <figcaption>
        {title}
        {series.map((name) => (
          <span key={name} class={`legend legend-${name}`}>{name}</span>
        ))}
      </figcaption>
      <div ref={host} class="chart-host" role="img" aria-label={title} />
    </figure>
  );
}

function ActivityList() {
  const list = activity.value;
  if (list.length === 0) return <p class="muted">Nothing has happened since this page opened. Changes to tasks and runs appear here as they happen.</p>;
  return (
    <ol class="activity">
      {list.slice(0, 60).map((entry) => (
        <li key={entry.id} class={entry.missed ? 'missed' : ''} data-event-id={entry.id}>
          <time>{formatClock(entry.at)}</time> <span class={`kind kind-${entry.kind}`}>{entry.kind}</span> {entry.text}
          {entry.missed && <span class="badge missed-badge">while away</span>}
        </li>
      ))}
    </ol>
  );
}
