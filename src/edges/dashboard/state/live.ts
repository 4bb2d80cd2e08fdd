import { signal } from '@preact/signals';
import { INITIAL_LINK, reconnectDelayMs, reduceLink, settleResume } from '../logic/connection.js';
import type { Link, LinkAction } from '../logic/connection.js';
import type { EventRow, RegistryRow } from '../logic/types.js';

export const link = signal<Link>(INITIAL_LINK);

/** The event kinds the server writes (core/events.ts); EventSource delivers named events only to their listeners. */
const KINDS = [
  'task_created',
  'task_updated',
  'task_status',
  'claimed',
  'progress',
  'completed',
  'run_ended',
  'reclaimed',
  'timed_out',
  'stop_requested',
  'comment_added',
  'process_recorded',
  'message',
];

type EventsListener = (events: EventRow[], missed: boolean) => void;
type WorkerListener = (rows: RegistryRow[]) => void;
type ResumeListener = () => void;

const eventListeners = new Set<EventsListener>();
const workerListeners = new Set<WorkerListener>();
const resumeListeners = new Set<ResumeListener>();

export const onEvents = (fn: EventsListener) => eventListeners.add(fn);
export const onWorkerRows = (fn: WorkerListener) => workerListeners.add(fn);
/** After every (re)connection: what the stream cannot replay (registry rows, lease times) is read again. */
export const onResume = (fn: ResumeListener) => resumeListeners.add(fn);

function dispatch(action: LinkAction): void {
  link.value = reduceLink(link.value, action);
}

let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let settleTimer: ReturnType<typeof setTimeout> | null = null;
let pendingEvents: EventRow[] = [];
let pendingWorkers: RegistryRow[] = [];
let frame: number | null = null;

/** Everything that arrives within one frame is applied together, in one render. */
function flushSoon(): void {
  if (frame !== null) return;
  frame = requestAnimationFrame(flush);
}

function flush(): void {
  frame = null;
  const events = pendingEvents;
  const workers = pendingWorkers;
  pendingEvents = [];
  pendingWorkers = [];
  if (events.length > 0) {
    const missed = link.value.lostAt !== null;
    dispatch({ type: 'events', lastId: (events[events.length - 1] as EventRow).id, count: events.length, at: Date.now() });
    for (const fn of eventListeners) fn(events, missed);
  }
  if (workers.length > 0) for (const fn of workerListeners) fn(workers);
}

function streamUrl(): string {
  const last = link.value.lastEventId;
  return last === null ? '/api/events' : `/api/events?last_event_id=${last}`;
}

export function connect(): void {
  if (source !== null || document.hidden) return;
  const es = new EventSource(streamUrl(), { withCredentials: true });
  source = es;
  es.onopen = () => {
    dispatch({ type: 'open', at: Date.now() });
    for (const fn of resumeListeners) fn();
    // Whatever the resume replays arrives right after the open; after that, events are live again.
    if (settleTimer !== null) clearTimeout(settleTimer);
    settleTimer = setTimeout(() => {
      link.value = settleResume(link.value);
    }, 1500);
  };
  const onEvent = (message: MessageEvent<string>) => {
    try {
      pendingEvents.push(JSON.parse(message.data) as EventRow);
      flushSoon();
    } catch {
      // A row the page cannot read is skipped; the next refetch shows its effect.
    }
  };
  for (const kind of KINDS) es.addEventListener(kind, onEvent as EventListener);
  es.addEventListener('worker', ((message: MessageEvent<string>) => {
    try {
      pendingWorkers.push(JSON.parse(message.data) as RegistryRow);
      flushSoon();
    } catch {
      // as above
    }
  }) as EventListener);
  es.onerror = () => {
    dispatch({ type: 'lost', at: Date.now() });
    // EventSource retries by itself (sending Last-Event-ID) while it can; once it gives up (a 5xx
    // during a restart), a new stream resumes from the last id this page saw.
    if (es.readyState === EventSource.CLOSED) {
      source = null;
      scheduleReconnect();
    }
  };
}

function scheduleReconnect(): void {
  if (retryTimer !== null) return;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    connect();
  }, reconnectDelayMs(link.value.failures));
}

/** The server answered a request: what the page shows is that fresh, even when no event came. */
export function heard(): void {
  if (link.value.status === 'live') dispatch({ type: 'heard', at: Date.now() });
}

export function pause(): void {
  source?.close();
  source = null;
  if (retryTimer !== null) clearTimeout(retryTimer);
  retryTimer = null;
  dispatch({ type: 'pause', at: Date.now() });
}

export function resume(): void {
  dispatch({ type: 'resume' });
  connect();
}
