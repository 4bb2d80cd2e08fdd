import { batch, signal } from '@preact/signals';
import { api } from '../api.js';
import { createRefresher } from '../logic/refresher.js';
import type { Task, TaskStatus } from '../logic/types.js';
import { learnServerTime } from './clock.js';

export interface Column {
  name: TaskStatus;
  tasks: Task[];
}

export const boardName = signal(readBoardFromAddress());
export const boards = signal<string[]>(['default']);
export const columns = signal<Column[]>([]);
export const boardLoaded = signal(false);
export const boardError = signal('');

/** The done and archived columns show this many of their latest tasks (the API's closed_limit). */
export const CLOSED_LIMIT = 50;

function readBoardFromAddress(): string {
  const m = /[?&]board=([a-z0-9][a-z0-9_-]{0,63})/.exec(location.hash);
  return m?.[1] ?? 'default';
}

async function readBoard(): Promise<void> {
  const name = boardName.value;
  try {
    const [answer, list] = await Promise.all([
      api<{ columns: Column[]; now: number }>('GET', `/api/board?board=${encodeURIComponent(name)}&closed_limit=${CLOSED_LIMIT}`),
      api<{ boards: string[] }>('GET', '/api/boards'),
    ]);
    learnServerTime(answer.now);
    if (name !== boardName.value) return;
    batch(() => {
      columns.value = answer.columns;
      boards.value = list.boards.includes(name) ? list.boards : [...list.boards, name].sort();
      boardLoaded.value = true;
      boardError.value = '';
    });
  } catch (err) {
    boardError.value = err instanceof Error ? err.message : String(err);
  }
}

export const boardRefresher = createRefresher(readBoard, 1000);

export function selectBoard(name: string): void {
  boardName.value = name;
  boardLoaded.value = false;
  boardRefresher.request();
}

export function findTask(id: string): Task | undefined {
  for (const column of columns.value) {
    const task = column.tasks.find((t) => t.id === id);
    if (task) return task;
  }
  return undefined;
}

export interface NewTaskInput {
  title: string;
  body?: string;
  assignee?: string;
  priority?: number;
  parents?: string[];
  max_runtime_seconds?: number;
  max_attempts?: number;
  board: string;
}

export async function createTask(input: NewTaskInput): Promise<Task> {
  const { task } = await api<{ task: Task }>('POST', '/api/tasks', input);
  boardRefresher.request();
  return task;
}

export async function moveTask(id: string, status: TaskStatus): Promise<void> {
  await api('PATCH', `/api/tasks/${id}`, { status });
  boardRefresher.request();
}

export async function reclaimTask(id: string): Promise<void> {
  await api('POST', `/api/tasks/${id}/reclaim`, {});
  boardRefresher.request();
}
