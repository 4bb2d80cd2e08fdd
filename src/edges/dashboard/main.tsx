import { render } from 'preact';
import { whenAnswered } from './api.js';
import { mergeStaleness } from './logic/events.js';
import './styles.css';
import { runsRefresher, startInspecting, stopInspecting } from './state/active.js';
import { recordActivity } from './state/activity.js';
import { boardName, boardRefresher } from './state/board.js';
import { startTicking, stopTicking } from './state/clock.js';
import { detailRefresher, openTaskId, stopFollowing } from './state/drawer.js';
import { connect, heard, onEvents, onResume, onWorkerRows, pause, resume } from './state/live.js';
import { statsRefresher } from './state/overview.js';
import { applyWorkerRows, readWorkers } from './state/registry.js';
import { currentSession, loadSession, session, takeTokenFromAddress } from './state/session.js';
import { App } from './views/App.js';

const hadToken = takeTokenFromAddress();
whenAnswered(heard);

/** What each batch of events makes the page read again: only the parts that changed, each at most once a second. */
onEvents((events, missed) => {
  recordActivity(events, missed);
  const stale = mergeStaleness(events);
  if (stale.active) runsRefresher.request();
  if (stale.boards.has(boardName.value)) boardRefresher.request();
  const open = openTaskId.value;
  if (open !== null && stale.tasks.has(open)) detailRefresher.request();
  if (stale.stats) statsRefresher.request();
});
onWorkerRows(applyWorkerRows);
// Leases renew and registry beats arrive without event rows; after a gap they are read again.
onResume(() => {
  runsRefresher.request();
  boardRefresher.request();
  statsRefresher.request();
  void readWorkers().catch(() => undefined);
});

let registryTimer: ReturnType<typeof setInterval> | null = null;
let leaseTimer: ReturnType<typeof setInterval> | null = null;

/**
 * Lease renewals write no event row, so the listing (lease left, last heartbeat) is read again every
 * 5 s while the tab is shown; the server answers it from its cached listing bytes.
 */
const LEASE_REREAD_MS = 5000;

/**
 * Beats of an ok worker are not pushed (the stream carries status changes only), so its "last seen"
 * is read from the in-memory registry once per heartbeat interval, at most every 5 s.
 */
function startRegistryReads(): void {
  if (leaseTimer === null) leaseTimer = setInterval(() => runsRefresher.request(), LEASE_REREAD_MS);
  if (registryTimer !== null) return;
  const interval = Math.min(5, Math.max(1, currentSession()?.heartbeat_interval_seconds ?? 5));
  registryTimer = setInterval(() => void readWorkers().catch(() => undefined), interval * 1000);
}

function stopRegistryReads(): void {
  if (registryTimer !== null) clearInterval(registryTimer);
  if (leaseTimer !== null) clearInterval(leaseTimer);
  registryTimer = null;
  leaseTimer = null;
}

/** A hidden tab costs the server nothing: the stream closes and resumes from its last id when shown. */
function onVisibility(): void {
  if (currentSession() === null) return;
  if (document.hidden) {
    pause();
    stopInspecting();
    stopTicking();
    stopRegistryReads();
    stopFollowing();
  } else {
    startTicking();
    startInspecting();
    startRegistryReads();
    resume();
    if (openTaskId.value !== null) detailRefresher.request();
  }
}

let started = false;
session.subscribe((s) => {
  if (s === null || s === 'anonymous') {
    if (started) {
      pause();
      stopInspecting();
      stopRegistryReads();
      started = false;
    }
    return;
  }
  if (started) return;
  started = true;
  runsRefresher.request();
  boardRefresher.request();
  void readWorkers().catch(() => undefined);
  if (!document.hidden) {
    startTicking();
    startInspecting();
    startRegistryReads();
    connect();
  }
});
document.addEventListener('visibilitychange', onVisibility);

render(<App />, document.getElementById('app') as HTMLElement);
void loadSession(hadToken);
