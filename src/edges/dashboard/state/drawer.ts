import { batch, signal } from '@preact/signals';
import { api, ApiError } from '../api.js';
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

/** The newest run's log; while it is live the drawer follows it (progress events and a slow tick). */
async function readLog(d: TaskDetail): Promise<void> {
  const run = latestRun(d.runs);
  if (!run) {
    logLines.value = null;
    logNote.value = 'No run yet.';
    return;
  }
  try {
    const answer = await api<{ lines: string[]; truncated: boolean }>('GET', `/api/runs/${run.id}/log?tail=200`);
    batch(() => {
      logLines.value = answer.lines;
      logNote.value = `run ${run.id}${answer.truncated ? ' · last 200 lines' : ''}${run.ended_at === null ? ' · following' : ''}`;
    });
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

export function latestRun(runs: readonly Run[]): Run | undefined {
  let latest: Run | undefined;
  for (const run of runs) if (!latest || run.id > latest.id) latest = run;
  return latest;
}

export const detailRefresher = createRefresher(readDetail, 700);

export function openTask(id: string | null, focus: 'top' | 'log' = 'top'): void {
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
