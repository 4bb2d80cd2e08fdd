import { batch, signal } from '@preact/signals';
import { api, ApiError } from '../api.js';
import { appendLines } from '../logic/log-tail.js';
import { createRefresher } from '../logic/refresher.js';
import type { Comment, EventRow, Run, Task } from '../logic/types.js';

export interface TaskDetail {
  task: Task;
  runs: Run[];
  events: EventRow[];
  comments: Comment[];
}

export const openTaskId = signal<string | null>(null);
/** The part of the drawer to bring into view when it opens. */
export const drawerFocus = signal<'top' | 'log'>('top');
export const detail = signal<TaskDetail | null>(null);
export const detailError = signal('');
export const logLines = signal<string[] | null>(null);
export const logNote = signal('');

async function readDetail(): Promise<void> {
  const id = openTaskId.value;
  if (id === null) return;
  try {
    const answer = await api<TaskDetail>('GET', `/api/tasks/${id}`);
    if (openTaskId.value !== id) return;
    batch(() => {
      detail.value = answer;
      detailError.value = '';
    });
    await readLog(answer);
  } catch (err) {
    detailError.value = err instanceof Error ? err.message : String(err);
  }
}

const TAIL_LINES = 200;
/** Lines kept while following: a chatty run does not grow the page without bound. */
const MAX_FOLLOWED_LINES = 1000;

/** The log stream of the run the drawer follows, while that run is live. */
let following: { runId: number; source: EventSource } | null = null;

export function stopFollowing(): void {
  following?.source.close();
  following = null;
}

/**
 * The newest run's log: read once, and while the run is live followed line by line from
 * /api/runs/:id/log/stream (the stream starts with the same tail, so lines written between the read
 * and the stream's start are not lost; its ids resume a reconnect where it broke off).
 */
async function readLog(d: TaskDetail): Promise<void> {
  const run = latestRun(d.runs);
  if (!run) {
    stopFollowing();
    logLines.value = null;
    logNote.value = 'No run yet.';
    return;
  }
  if (following?.runId === run.id && run.ended_at === null) return;
  stopFollowing();
  try {
    const answer = await api<{ lines: string[]; truncated: boolean }>('GET', `/api/runs/${run.id}/log?tail=${TAIL_LINES}`);
    if (openTaskId.value !== d.task.id) return;
    batch(() => {
      logLines.value = answer.lines;
      logNote.value = `run ${run.id}${answer.truncated ? ` · last ${TAIL_LINES} lines` : ''}${run.ended_at === null ? ' · following' : ''}`;
    });
    if (run.ended_at === null && !document.hidden) follow(run.id);
  } catch (err) {
    batch(() => {
      logLines.value = null;
      logNote.value =
        err instanceof ApiError && err.status === 404
          ? `Run ${run.id} has no log: only runs the dispatcher started write one.`
          : String(err instanceof Error ? err.message : err);
    });
  }
}

function follow(runId: number): void {
  const source = new EventSource(`/api/runs/${runId}/log/stream?tail=${TAIL_LINES}`, { withCredentials: true });
  following = { runId, source };
  let replaced = false;
  let pending: string[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    timer = null;
    if (following?.source !== source) return;
    // The stream's first lines are the tail just read: they replace it rather than repeat it.
    const base = replaced ? (logLines.value ?? []) : [];
    replaced = true;
    logLines.value = appendLines(base, pending, MAX_FOLLOWED_LINES);
    pending = [];
  };
  source.onmessage = (message: MessageEvent<string>) => {
    try {
      pending.push(JSON.parse(message.data) as string);
    } catch {
      return;
    }
    // Lines that arrive together are shown in one render.
    if (timer === null) timer = setTimeout(flush, 100);
  };
  source.onerror = () => {
    // EventSource reconnects by itself (resuming by line number) unless the server refused the stream;
    // then the next read of the task tries again.
    if (source.readyState === EventSource.CLOSED && following?.source === source) following = null;
  };
  source.addEventListener('end', () => {
    if (timer !== null) clearTimeout(timer);
    if (pending.length > 0) flush();
    source.close();
    if (following?.source === source) following = null;
    logNote.value = `run ${runId} · ended`;
    detailRefresher.request();
  });
}

export function latestRun(runs: readonly Run[]): Run | undefined {
  let latest: Run | undefined;
  for (const run of runs) if (!latest || run.id > latest.id) latest = run;
  return latest;
}

export const detailRefresher = createRefresher(readDetail, 700);

export function openTask(id: string | null, focus: 'top' | 'log' = 'top'): void {
  stopFollowing();
  batch(() => {
    openTaskId.value = id;
    drawerFocus.value = focus;
    detail.value = null;
    logLines.value = null;
    logNote.value = '';
  });
  if (id !== null) detailRefresher.request();
}

export async function addComment(taskId: string, body: string): Promise<void> {
  await api('POST', `/api/tasks/${taskId}/comments`, { body });
  detailRefresher.request();
}
