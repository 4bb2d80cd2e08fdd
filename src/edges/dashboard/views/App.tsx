import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { linkLabel } from '../logic/connection.js';
import { countByState } from '../logic/runs.js';
import { runs } from '../state/active.js';
import { link } from '../state/live.js';
import { logOut, session } from '../state/session.js';
import { now } from '../state/clock.js';
import { workers } from '../state/registry.js';
import { countByStatus } from '../logic/registry.js';
import { Board } from './Board.js';
import { ExecutorPanel } from './ExecutorPanel.js';
import { Login } from './Login.js';
import { Overview } from './Overview.js';
import { TaskDrawer } from './TaskDrawer.js';
import { shownStatus, WorkersPanel } from './WorkersPanel.js';

export type View = 'executor' | 'board' | 'workers' | 'overview';
const VIEWS: { id: View; label: string; key: string }[] = [
  { id: 'executor', label: 'Executor', key: '1' },
  { id: 'board', label: 'Board', key: '2' },
  { id: 'workers', label: 'Workers', key: '3' },
  { id: 'overview', label: 'Overview', key: '4' },
];

function viewFromHash(): View {
  const name = /^#\/([a-z]+)/.exec(location.hash)?.[1];
  return VIEWS.some((v) => v.id === name) ? (name as View) : 'executor';
}

export const view = signal<View>(viewFromHash());
addEventListener('hashchange', () => {
  view.value = viewFromHash();
});

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export function App() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || document.querySelector('dialog[open]')) return;
      const target = VIEWS.find((v) => v.key === e.key);
      if (target) {
        location.hash = `#/${target.id}`;
        return;
      }
      if (e.key === '/') {
        const input = document.querySelector<HTMLInputElement>('[data-shortcut="/"]');
        if (input) {
          e.preventDefault();
          input.focus();
        }
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const s = session.value;
  if (s === null) return <p class="muted pad">Loading…</p>;
  if (s === 'anonymous') return <Login />;
  return (
    <div class="app">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">
          <span class="brand-mark" aria-hidden="true" /> Pulseboard
        </span>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <a key={v.id} href={`#/${v.id}`} class={view.value === v.id ? 'active' : ''} aria-current={view.value === v.id ? 'page' : undefined} title={`key ${v.key}`}>
              {v.label}
              <NavCount view={v.id} />
            </a>
          ))}
        </nav>
        <span class="spacer-flex" />
        <LiveIndicator />
        <span class="who" title={`logged in as ${s.role}`}>
          {s.name} · <span class={`role role-${s.role}`}>{s.role}</span>
        </span>
        <button type="button" class="link" onClick={() => void logOut()}>
          Log out
        </button>
      </header>
      <ResumeBanner />
      <main id="main">
        {view.value === 'executor' && <ExecutorPanel />}
        {view.value === 'board' && <Board />}
        {view.value === 'workers' && <WorkersPanel />}
        {view.value === 'overview' && <Overview />}
      </main>
      <TaskDrawer />
    </div>
  );
}

function NavCount({ view: v }: { view: View }) {
  if (v === 'executor') {
    const c = countByState(runs.value);
    const bad = c.stuck + c.over_runtime;
    return (
      <span class={`nav-count ${bad > 0 ? 'nav-bad' : ''}`} title={bad > 0 ? `${bad} stuck or over runtime` : undefined}>
        {runs.value.length}
      </span>
    );
  }
  if (v === 'workers') {
    const c = countByStatus(workers.value, (row) => shownStatus(row, now.value));
    return c.stale > 0 ? <span class="nav-count nav-bad" title={`${c.stale} stale`}>{c.stale}</span> : null;
  }
  return null;
}

function LiveIndicator() {
  const l = link.value;
  void now.value;
  return (
    <span class={`live live-${l.status}`} role="status" aria-live="polite" title={l.lastEventId === null ? '' : `last event #${l.lastEventId}`}>
      <span class="dot" aria-hidden="true" />
      {linkLabel(l, Date.now())}
    </span>
  );
}

function ResumeBanner() {
  const l = link.value;
  if (l.status !== 'live' || l.caughtUp === 0) return null;
  return (
    <p class="banner banner-info" role="status">
      Reconnected: {l.caughtUp} event{l.caughtUp === 1 ? '' : 's'} happened while this page was away; they are in Overview → Activity, marked “while away”.
    </p>
  );
}
