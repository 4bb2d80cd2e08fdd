import type { EventRow } from '../../../core/types.js';
import { ApiError } from '../../../sdk/api-error.js';
import type { InspectAnswer, RegistryWorker } from '../../../sdk/api-types.js';
import type { Connection } from '../connection.js';
import { describeStop } from '../commands/run.js';
import { followSse } from '../follow-sse.js';
import { useColor } from '../terminal.js';
import { onKey } from './keys.js';
import type { Effect, Key } from './keys.js';
import { initialState } from './model.js';
import type { TopState } from './model.js';
import { moveTo } from './keys.js';
import { render } from './render.js';
import { Screen } from './screen.js';

export interface TopOptions {
  board?: string;
  intervalSeconds: number;
}

/** Event rows arriving this close together cause one refresh. */
const EVENT_DEBOUNCE_MS = 250;
const MAX_INSPECTED_RUNS = 1000;

/** Reads what top shows: active runs, registry, board, and one many-runs inspect per refresh. */
class Source {
  private inspectUnavailable = false;

  constructor(
    private readonly connection: Connection,
    private readonly opts: TopOptions,
  ) {}

  async refresh(state: TopState): Promise<TopState> {
    const { client } = this.connection;
    const [active, registry, board] = await Promise.all([client.activeRuns(this.opts.board), client.workers(), client.board(this.opts.board)]);
    const ids = active.workers.filter((r) => r.worker_pid !== null).map((r) => r.run_id).slice(0, MAX_INSPECTED_RUNS);
    const inspections = new Map<number, InspectAnswer>();
    if (ids.length > 0 && !this.inspectUnavailable) {
      try {
        for (const look of (await client.inspectRuns(ids)).inspections) inspections.set(look.run_id, look);
      } catch (err) {
        // A server without the many-runs route: no figures rather than one request per row.
        if (err instanceof ApiError && (err.status === 404 || err.status === 405)) this.inspectUnavailable = true;
        else throw err;
      }
    }
    return {
      ...state,
      now: active.checked_at,
      runs: active.workers,
      inspections,
      inspectUnavailable: this.inspectUnavailable,
      workers: registry.workers,
      board: board.columns.map((c) => ({
        name: c.name,
        count: c.tasks.length,
        tasks: c.tasks.map((t) => ({ id: t.id, title: t.title, assignee: t.assignee, priority: t.priority })),
      })),
      error: null,
    };
  }
}

/** Without a terminal (a pipe, a cron job): one snapshot of the runs view, then exit. */
export async function printSnapshot(connection: Connection, opts: TopOptions): Promise<void> {
  const state = await new Source(connection, opts).refresh(initialState(connection.url, opts.board));
  const columns = process.stdout.columns || Number(process.env['COLUMNS']) || 120;
  const rows = 3 + 1 + Math.max(1, state.runs.length) + 2;
  const lines = render({ ...state, connection: 'live' }, { columns, rows }, useColor()).slice(0, -1);
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The live full-screen view, until q, Ctrl-C or a signal; the terminal is restored on every way out. */
export function runTop(connection: Connection, opts: TopOptions): Promise<void> {
  const screen = new Screen(process.stdout, process.stdin);
  const source = new Source(connection, opts);
  const color = useColor();
  let state = initialState(connection.url, opts.board);
  let finished = false;
  const stopStream = new AbortController();
  let refreshing = false;
  let again = false;
  let debounce: NodeJS.Timeout | null = null;

  const draw = () => screen.draw(render(state, screen.size, color));
  const set = (next: TopState) => {
    state = moveTo(next, next.selected, screen.size);
    draw();
  };

  const refresh = async () => {
    if (finished || state.paused) return;
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const next = await source.refresh(state);
      if (!finished) set({ ...next, paused: state.paused, overlay: state.overlay, prompt: state.prompt, message: state.message, view: state.view, filter: state.filter, editingFilter: state.editingFilter, stateFilter: state.stateFilter, sort: state.sort, reverse: state.reverse, selected: state.selected, offset: state.offset, lastEventId: state.lastEventId, connection: state.connection });
    } catch (err) {
      if (!finished) set({ ...state, error: `refresh failed: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };

  const onEvent = (row: EventRow) => {
    state = { ...state, lastEventId: row.id };
    if (debounce) return;
    debounce = setTimeout(() => {
      debounce = null;
      void refresh();
    }, EVENT_DEBOUNCE_MS);
  };
  const onWorker = (row: RegistryWorker) => {
    const workers = state.workers.some((w) => w.name === row.name) ? state.workers.map((w) => (w.name === row.name ? row : w)) : [...state.workers, row];
    set({ ...state, workers });
  };

  const perform = async (effect: Effect) => {
    if (effect === null) return;
    if (effect.kind === 'quit') return finish();
    if (effect.kind === 'refresh') return refresh();
    if (effect.kind === 'terminate') {
      try {
        const answer = await connection.client.terminateRun(effect.runId, { reason: 'terminated from pulseboard top' });
        set({ ...state, message: `run ${answer.run_id} terminated: ${describeStop(answer)}`, error: null });
      } catch (err) {
        set({ ...state, error: `terminate run ${effect.runId}: ${err instanceof ApiError ? err.detail : String(err)}` });
      }
      return refresh();
    }
    if (effect.kind === 'log') {
      try {
        const log = await connection.client.runLog(effect.runId, 500);
        if (state.overlay?.kind === 'log') set({ ...state, overlay: { kind: 'log', runId: effect.runId, lines: log.lines, error: null } });
      } catch (err) {
        const why = err instanceof ApiError ? err.detail : String(err);
        if (state.overlay?.kind === 'log') set({ ...state, overlay: { kind: 'log', runId: effect.runId, lines: null, error: why } });
      }
    }
  };

  const onKeypress = (_text: string | undefined, key: Key | undefined) => {
    const result = onKey(state, key ?? { sequence: _text ?? '' }, screen.size);
    set(result.state);
    void perform(result.effect);
  };
  const onResize = () => {
    screen.invalidate();
    draw();
  };

  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const timer = setInterval(() => void refresh(), opts.intervalSeconds * 1000);
  const onSignal = () => finish();
  const onCrash = (err: unknown) => {
    finish();
    process.stderr.write(`pulseboard top: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  };
  function finish(): void {
    if (finished) return;
    finished = true;
    clearInterval(timer);
    if (debounce) clearTimeout(debounce);
    stopStream.abort();
    process.stdin.off('keypress', onKeypress);
    process.stdout.off('resize', onResize);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', onCrash);
    process.off('exit', restore);
    screen.restore();
    resolveDone();
  }
  const restore = () => screen.restore();

  process.on('exit', restore);
  process.on('uncaughtException', onCrash);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  screen.enter();
  process.stdin.on('keypress', onKeypress);
  process.stdout.on('resize', onResize);
  draw();
  void refresh();

  void followSse({
    url: connection.url,
    token: connection.token,
    path: `/api/events${opts.board ? `?board=${encodeURIComponent(opts.board)}` : ''}`,
    signal: stopStream.signal,
    // The command read from the server before taking the screen.
    reachedBefore: true,
    onOpen: () => set({ ...state, connection: 'live' }),
    onMessage: (message) => {
      if (message.data === '') return;
      if (message.event === 'worker') onWorker(JSON.parse(message.data) as RegistryWorker);
      else if (message.id !== null) onEvent(JSON.parse(message.data) as EventRow);
    },
    onReconnecting: () => set({ ...state, connection: 'reconnecting' }),
    onReconnected: () => {
      set({ ...state, connection: 'live' });
      void refresh();
    },
  }).catch((err: unknown) => {
    if (!finished) set({ ...state, connection: 'reconnecting', error: `event stream: ${err instanceof Error ? err.message : String(err)}` });
  });

  return done;
}
