import { rowCount, selectedRun, SORT_KEYS, STATE_KEYS } from './model.js';
import type { TopState } from './model.js';
import { tableHeight } from './render.js';
import type { Size } from './render.js';

/** A key as readline's keypress events describe it. */
export interface Key {
  name?: string;
  sequence?: string;
  ctrl?: boolean;
  shift?: boolean;
}

/** What the session must do beyond showing the new state. */
export type Effect =
  | { kind: 'quit' }
  | { kind: 'terminate'; runId: number }
  | { kind: 'log'; runId: number }
  | { kind: 'refresh' }
  | null;

export interface KeyResult {
  state: TopState;
  effect: Effect;
}

/** Pure: the state after a key, and what to do about it. */
export function onKey(state: TopState, key: Key, size: Size): KeyResult {
  const none = (next: TopState): KeyResult => ({ state: next, effect: null });
  if (key.ctrl && key.name === 'c') return { state, effect: { kind: 'quit' } };

  if (state.prompt) {
    const prompt = state.prompt;
    if (key.name === 'y' || key.sequence === 'y' || key.sequence === 'Y') {
      return { state: { ...state, prompt: null, message: `terminating run ${prompt.runId}…` }, effect: { kind: 'terminate', runId: prompt.runId } };
    }
    return none({ ...state, prompt: null, message: 'not terminated' });
  }

  if (state.editingFilter !== null) {
    if (key.name === 'return' || key.name === 'enter') return none(moveTo({ ...state, filter: state.editingFilter, editingFilter: null }, 0, size));
    if (key.name === 'escape') return none({ ...state, editingFilter: null });
    if (key.name === 'backspace') return none({ ...state, editingFilter: state.editingFilter.slice(0, -1) });
    const ch = key.sequence ?? '';
    if (ch.length === 1 && ch >= ' ' && ch !== '\x7f') return none({ ...state, editingFilter: state.editingFilter + ch });
    return none(state);
  }

  if (state.overlay) {
    if (key.name === 'escape' || key.name === 'return' || key.sequence === 'q' || key.sequence === '?') {
      return none({ ...state, overlay: null });
    }
    if (key.sequence === 'l' && state.overlay.kind === 'log') return { state, effect: { kind: 'log', runId: state.overlay.runId } };
    return none(state);
  }

  const page = Math.max(1, tableHeight(size) - 1);
  const ch = key.sequence ?? '';
  switch (key.name) {
    case 'up':
      return none(moveTo(state, state.selected - 1, size));
    case 'down':
      return none(moveTo(state, state.selected + 1, size));
    case 'pageup':
      return none(moveTo(state, state.selected - page, size));
    case 'pagedown':
      return none(moveTo(state, state.selected + page, size));
    case 'home':
      return none(moveTo(state, 0, size));
    case 'end':
      return none(moveTo(state, rowCount(state) - 1, size));
    case 'escape':
      return none({ ...state, filter: '', stateFilter: null, message: null, error: null });
    case 'return':
    case 'enter': {
      const run = selectedRun(state);
      return none(run ? { ...state, overlay: { kind: 'inspect', runId: run.run_id } } : state);
    }
  }
  switch (ch) {
    case 'q':
      return { state, effect: { kind: 'quit' } };
    case 'k':
      return none(moveTo(state, state.selected - 1, size));
    case 'j':
      return none(moveTo(state, state.selected + 1, size));
    case 'g':
      return none(moveTo(state, 0, size));
    case 'G':
      return none(moveTo(state, rowCount(state) - 1, size));
    case '?':
      return none({ ...state, overlay: { kind: 'help' } });
    case '/':
      return none({ ...state, view: 'runs', editingFilter: state.filter });
    case 's':
      return none({ ...state, sort: SORT_KEYS[(SORT_KEYS.indexOf(state.sort) + 1) % SORT_KEYS.length] ?? 'severity', message: null });
    case 'S':
      return none({ ...state, reverse: !state.reverse });
    case 'p':
      return { state: { ...state, paused: !state.paused }, effect: state.paused ? { kind: 'refresh' } : null };
    case 'w':
      return none({ ...state, view: state.view === 'workers' ? 'runs' : 'workers', selected: 0, offset: 0 });
    case 'b':
      return none({ ...state, view: state.view === 'board' ? 'runs' : 'board', selected: 0, offset: 0 });
    case 'r':
      return none({ ...state, view: 'runs', selected: 0, offset: 0 });
    case 'l': {
      const run = selectedRun(state);
      if (!run) return none(state);
      return { state: { ...state, overlay: { kind: 'log', runId: run.run_id, lines: null, error: null } }, effect: { kind: 'log', runId: run.run_id } };
    }
    case 't': {
      const run = selectedRun(state);
      if (!run) return none({ ...state, message: 'no run selected' });
      const pid = run.worker_pid === null ? 'no pid' : `pid ${run.worker_pid}`;
      return none({ ...state, prompt: { kind: 'terminate', runId: run.run_id, text: `terminate run ${run.run_id} (worker ${run.worker}, ${pid} on ${run.host})?` } });
    }
  }
  const stateKey = STATE_KEYS[ch];
  if (stateKey) return none(moveTo({ ...state, view: 'runs', stateFilter: state.stateFilter === stateKey ? null : stateKey }, 0, size));
  return none(state);
}

/** Moves the cursor, clamped, and scrolls so it stays on screen. */
export function moveTo(state: TopState, index: number, size: Size): TopState {
  const count = rowCount(state);
  const selected = Math.max(0, Math.min(count - 1, index));
  const visible = Math.max(1, tableHeight(size) - 1);
  let offset = Math.min(state.offset, selected);
  if (selected >= offset + visible) offset = selected - visible + 1;
  return { ...state, selected: Math.max(0, selected), offset: Math.max(0, offset) };
}
