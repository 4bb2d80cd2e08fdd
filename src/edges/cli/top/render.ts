import type { ActiveRun, ActiveRunState } from '../../../core/types.js';
import type { InspectAnswer } from '../../../sdk/api-types.js';
import { paint, styleOfWord } from '../terminal.js';
import type { Style } from '../terminal.js';
import { countBy, visibleRuns } from './model.js';
import type { TopState } from './model.js';

export interface Size {
  columns: number;
  rows: number;
}

/** Header lines above the table and footer lines below it. */
const HEADER_LINES = 3;
const FOOTER_LINES = 2;

const STATE_LABEL: Record<ActiveRunState, string> = { healthy: 'OK', stuck: 'STUCK', lease_expiring: 'LEASE', over_runtime: 'OVER' };

export const KEY_HELP: [string, string][] = [
  ['↑ ↓  j k', 'move'],
  ['PgUp PgDn  g G', 'page, first, last'],
  ['Enter', 'inspect the run (process figures, command line)'],
  ['l', "show the run's log"],
  ['t', 'terminate the run (asks y/N)'],
  ['/', 'filter by worker, host, task, title, pid (Enter applies, Esc clears)'],
  ['1 2 3 4', 'only healthy / stuck / lease expiring / over runtime (again: all)'],
  ['s  S', 'next sort key / reverse'],
  ['w  b  r', 'registry view / board view / back to runs'],
  ['p', 'pause refreshing'],
  ['Esc', 'close this panel'],
  ['q  Ctrl-C', 'quit'],
];

/** Rows of the table area for a terminal of this height. */
export function tableHeight(size: Size): number {
  return Math.max(1, size.rows - HEADER_LINES - FOOTER_LINES);
}

/**
 * The whole screen as exactly size.rows lines, none wider than size.columns (ANSI colour codes
 * excluded). Pure: the same state and size give the same lines.
 */
export function render(state: TopState, size: Size, color = false): string[] {
  const width = Math.max(20, size.columns);
  const lines: Line[] = [];
  lines.push(...header(state));
  const body = tableHeight(size);
  const table = state.overlay ? overlay(state, body, width) : view(state, body, width);
  while (table.length < body) table.push(plain(''));
  lines.push(...table.slice(0, body));
  lines.push(...footer(state));
  return lines.slice(0, size.rows).map((line) => line.paint(fit(line.text, width), color));
}

interface Line {
  text: string;
  paint(text: string, color: boolean): string;
}

function plain(text: string, style: Style | null = null): Line {
  return { text, paint: (t, color) => paint(t, style, color) };
}

function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

function header(state: TopState): Line[] {
  const live = state.paused ? 'PAUSED' : state.connection;
  const clock = new Date(state.now * 1000).toISOString().slice(11, 19);
  const host = state.url.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const event = state.lastEventId === null ? '' : `  ev#${state.lastEventId}`;
  const byState = countBy(state.runs, (r) => r.state);
  const byStatus = countBy(state.workers, (w) => w.status);
  const tasks = state.board
    .filter((c) => c.name !== 'done' && c.name !== 'archived' && c.count > 0)
    .map((c) => `${c.name} ${c.count}`)
    .join('  ');
  const runs =
    `RUNS ${state.runs.length}  healthy ${byState.healthy ?? 0}  stuck ${byState.stuck ?? 0}  ` +
    `lease ${byState.lease_expiring ?? 0}  over ${byState.over_runtime ?? 0}`;
  const workers = `WORKERS ok ${byStatus.ok ?? 0} stale ${byStatus.stale ?? 0} unknown ${byStatus.unknown ?? 0}`;
  const settings = [
    `view ${state.view}`,
    `sort ${state.sort}${state.reverse ? ' ↑' : ' ↓'}`,
    state.stateFilter ? `state ${state.stateFilter}` : null,
    state.editingFilter !== null ? `filter: ${state.editingFilter}▏` : state.filter ? `filter "${state.filter}"` : null,
    state.inspectUnavailable ? 'no process figures (server has no many-runs inspect)' : null,
  ]
    .filter(Boolean)
    .join('  ');
  return [
    plain(`pulseboard top  ${host}  ${clock}  ${live}${event}`, 'bold'),
    plain(`${runs} │ ${workers} │ ${state.boardName}: ${tasks || 'no open tasks'}`),
    plain(settings, 'dim'),
  ];
}

function footer(state: TopState): Line[] {
  let status: Line;
  if (state.prompt) status = plain(`${state.prompt.text} [y/N]`, 'yellow');
  else if (state.error) status = plain(state.error, 'red');
  else status = plain(state.message ?? '');
  return [status, plain('q quit  ? help  ↑↓ move  ⏎ inspect  l log  t terminate  / filter  1-4 state  s/S sort  w b views  p pause', 'dim')];
}

function view(state: TopState, height: number, width: number): Line[] {
  if (state.view === 'workers') return workersTable(state, height, width);
  if (state.view === 'board') return boardView(state, height, width);
  return runsTable(state, height, width);
}

interface Column {
  title: string;
  width: number;
  /** Lower is dropped first when the screen is narrow; Infinity never. */
  keep: number;
  right?: boolean;
  cell(run: ActiveRun, look: InspectAnswer | undefined, now: number): string;
}

const alive = (look: InspectAnswer | undefined) => (look?.alive ? look : null);

const RUN_COLUMNS: Column[] = [
  { title: 'ST', width: 5, keep: Infinity, cell: (r) => STATE_LABEL[r.state] },
  { title: 'RUN', width: 6, keep: Infinity, right: true, cell: (r) => String(r.run_id) },
  { title: 'WORKER', width: 12, keep: 90, cell: (r) => r.worker },
  { title: 'HOST', width: 10, keep: 10, cell: (r) => r.host },
  { title: 'PID', width: 7, keep: 80, right: true, cell: (r) => (r.worker_pid === null ? '-' : String(r.worker_pid)) },
  { title: 'TASK', width: 0, keep: Infinity, cell: (r) => `${r.task_id} ${r.task_title}` },
  { title: 'CPU%', width: 5, keep: 70, right: true, cell: (_r, l) => (alive(l) ? alive(l)!.cpu_percent.toFixed(1) : '-') },
  { title: 'RSS', width: 5, keep: 60, right: true, cell: (_r, l) => (alive(l) ? bytes(alive(l)!.memory_rss_bytes) : '-') },
  { title: 'THR', width: 3, keep: 20, right: true, cell: (_r, l) => (alive(l) ? String(alive(l)!.num_threads) : '-') },
  { title: 'FDS', width: 4, keep: 15, right: true, cell: (_r, l) => (alive(l) && alive(l)!.num_fds !== null ? String(alive(l)!.num_fds) : '-') },
  { title: 'HB', width: 4, keep: 50, right: true, cell: (r, _l, now) => age(now - r.last_heartbeat_at) },
  { title: 'PROG', width: 4, keep: 55, right: true, cell: (r, _l, now) => (r.last_progress_at === null ? '-' : age(now - r.last_progress_at)) },
  { title: 'ELAPSED', width: 7, keep: 40, right: true, cell: (r, _l, now) => duration(now - r.started_at) },
  { title: 'LEASE', width: 5, keep: 30, right: true, cell: (r, _l, now) => (r.claim_expires <= now ? 'exp' : age(r.claim_expires - now)) },
];

const MIN_TASK_WIDTH = 16;

/** The columns that fit: the least needed go first, and TASK takes what is left. */
function fitColumns(width: number): Column[] {
  const shown = [...RUN_COLUMNS];
  const used = () => shown.reduce((sum, c) => sum + c.width + 1, 0) + MIN_TASK_WIDTH;
  while (used() > width) {
    const droppable = shown.filter((c) => Number.isFinite(c.keep));
    if (droppable.length === 0) break;
    const least = droppable.reduce((a, b) => (b.keep < a.keep ? b : a));
    shown.splice(shown.indexOf(least), 1);
  }
  const task = shown.find((c) => c.title === 'TASK') as Column;
  const others = shown.reduce((sum, c) => sum + (c === task ? 0 : c.width + 1), 0);
  return shown.map((c) => (c === task ? { ...c, width: Math.max(MIN_TASK_WIDTH, width - others - 1) } : c));
}

function row(columns: Column[], cells: string[]): string {
  return columns
    .map((c, i) => {
      const text = fit(cells[i] ?? '', c.width);
      return c.right ? text.padStart(c.width) : text.padEnd(c.width);
    })
    .join(' ')
    .trimEnd();
}

function runsTable(state: TopState, height: number, width: number): Line[] {
  const columns = fitColumns(width);
  const runs = visibleRuns(state);
  const lines: Line[] = [plain(row(columns, columns.map((c) => c.title)), 'inverse')];
  if (runs.length === 0) {
    lines.push(plain(state.runs.length === 0 ? '  no live runs' : '  no run matches the filter', 'dim'));
    return lines;
  }
  const visible = runs.slice(state.offset, state.offset + height - 1);
  visible.forEach((run, i) => {
    const look = state.inspections.get(run.run_id);
    const text = row(columns, columns.map((c) => c.cell(run, look, state.now)));
    const selected = state.offset + i === state.selected;
    const stateWidth = columns[0]?.width ?? 5;
    lines.push({
      text,
      paint: (t, color) => {
        if (!color) return t;
        if (selected) return paint(t.padEnd(width), 'inverse', true);
        return paint(t.slice(0, stateWidth), styleOfWord(run.state), true) + t.slice(stateWidth);
      },
    });
  });
  return lines;
}

function workersTable(state: TopState, height: number, width: number): Line[] {
  const columns: { title: string; width: number }[] = [
    { title: 'NAME', width: 20 },
    { title: 'STATUS', width: 8 },
    { title: 'SEEN', width: 9 },
    { title: 'HOST', width: 14 },
    { title: 'PID', width: 8 },
    { title: 'EXTRA', width: Math.max(10, width - 64) },
  ];
  const line = (cells: string[]) => columns.map((c, i) => fit(cells[i] ?? '', c.width).padEnd(c.width)).join(' ').trimEnd();
  const lines: Line[] = [plain(line(columns.map((c) => c.title)), 'inverse')];
  if (state.workers.length === 0) return [...lines, plain('  no known workers', 'dim')];
  state.workers.slice(state.offset, state.offset + height - 1).forEach((w, i) => {
    const extra = Object.entries(w.extra)
      .filter(([key]) => !['ts', 'pid', 'host', 'uptime_s'].includes(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    const text = line([w.name, w.status, w.seconds_since === null ? 'never' : `${age(w.seconds_since)} ago`, w.host ?? '-', w.pid === null ? '-' : String(w.pid), extra]);
    const selected = state.offset + i === state.selected;
    lines.push({
      text,
      paint: (t, color) => (selected ? paint(t.padEnd(width), 'inverse', color) : color ? paint(t.slice(0, 21), null, true) + paintWord(t.slice(21), w.status) : t),
    });
  });
  return lines;
}

function paintWord(text: string, word: string): string {
  const at = text.indexOf(word);
  if (at === -1) return text;
  return text.slice(0, at) + paint(word, styleOfWord(word), true) + text.slice(at + word.length);
}

function boardView(state: TopState, height: number, width: number): Line[] {
  const lines: Line[] = [];
  for (const column of state.board) {
    lines.push(plain(`${column.name.toUpperCase()} ${column.count}`, styleOfWord(column.name) ?? 'bold'));
    for (const task of column.tasks.slice(0, 5)) {
      lines.push(plain(fit(`  ${task.id}  p${task.priority}  ${(task.assignee ?? '-').padEnd(12)}  ${task.title}`, width)));
    }
    if (column.tasks.length > 5) lines.push(plain(`  … ${column.count - 5} more`, 'dim'));
  }
  return lines.slice(state.offset, state.offset + height);
}

function overlay(state: TopState, height: number, width: number): Line[] {
  const o = state.overlay!;
  if (o.kind === 'help') {
    return [plain('keys (Esc closes)', 'inverse'), ...KEY_HELP.map(([keys, what]) => plain(`  ${keys.padEnd(16)} ${what}`))];
  }
  const run = state.runs.find((r) => r.run_id === o.runId);
  if (o.kind === 'log') {
    const title = plain(`log of run ${o.runId}${run ? ` (${run.worker}, task ${run.task_id})` : ''} — Esc closes, l reloads`, 'inverse');
    if (o.error) return [title, plain(o.error, 'red')];
    if (o.lines === null) return [title, plain('loading…', 'dim')];
    if (o.lines.length === 0) return [title, plain('(empty)', 'dim')];
    return [title, ...o.lines.slice(-(height - 1)).map((l) => plain(fit(printable(l), width)))];
  }
  const look = state.inspections.get(o.runId);
  const fields: [string, string][] = [];
  if (run) {
    fields.push(
      ['run', String(run.run_id)],
      ['state', run.state],
      ['task', `${run.task_id} ${run.task_title}`],
      ['worker', `${run.worker}${run.profile ? ` (profile ${run.profile})` : ''}`],
      ['host', run.host],
      ['pid', run.worker_pid === null ? '-' : String(run.worker_pid)],
      ['started', `${duration(state.now - run.started_at)} ago`],
      ['heartbeat', `${age(state.now - run.last_heartbeat_at)} ago`],
      ['progress', run.last_progress_at === null ? 'never reported' : `${age(state.now - run.last_progress_at)} ago`],
      ['lease', run.claim_expires <= state.now ? 'expired' : `${age(run.claim_expires - state.now)} left`],
      ['max runtime', run.max_runtime_seconds === null ? 'none' : duration(run.max_runtime_seconds)],
    );
  } else {
    fields.push(['run', `${o.runId} (no longer live)`]);
  }
  if (look?.alive) {
    fields.push(
      ['process', `${look.status}, cpu ${look.cpu_percent.toFixed(1)}%, rss ${bytes(look.memory_rss_bytes)}, vms ${bytes(look.memory_vms_bytes)}`],
      ['threads', String(look.num_threads)],
      ['fds', look.num_fds === null ? '-' : String(look.num_fds)],
      ['cmdline', look.cmdline?.join(' ') || '(not shown for a declared pid)'],
    );
  } else if (look) {
    fields.push(['process', `not alive: ${look.reason}`]);
  } else {
    fields.push(['process', state.inspectUnavailable ? 'no figures: the server has no many-runs inspect' : 'not inspected yet']);
  }
  return [plain(`run ${o.runId} — Esc closes`, 'inverse'), ...fields.map(([k, v]) => plain(`  ${k.padEnd(12)} ${v}`))];
}

/** A log line may hold escape sequences of its own; on this screen they would move the cursor. */
function printable(line: string): string {
  return [...line].map((ch) => (ch < ' ' || ch === '\x7f' ? ' ' : ch)).join('');
}

/** 42s, 5m, 3h, 2d. */
export function age(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** 42s, 5m03s, 1h02m, 3d04h. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor((s % 86_400) / 3600))}h`;
}

/** 800K, 512M, 1.2G. */
export function bytes(n: number): string {
  if (n < 1024 * 1024) return `${Math.round(n / 1024)}K`;
  if (n < 1024 ** 3) return `${Math.round(n / 1024 ** 2)}M`;
  return `${(n / 1024 ** 3).toFixed(1)}G`;
}
