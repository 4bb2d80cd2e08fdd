import { newTaskId } from '../../../core/ids.js';
import { checkParents, initialStatus, parentsNotDone } from '../../../core/readiness.js';
import { validateComment, validateNewTask, validateTaskFilter, validateTaskId, validateTaskPatch } from '../../../core/task-input.js';
import { taskCreatedPayload, taskUpdateEvents } from '../../../core/events.js';
import { forBatchItem, resolveBatchParents, validateTaskBatch } from '../../../core/task-batch.js';
import { planTaskUpdate } from '../../../core/task-update.js';
import { TASK_STATUSES } from '../../../core/types.js';
import type { Comment, Task, TaskStatus } from '../../../core/types.js';
import { validateBoard } from '../../../core/validate.js';
import type { NewTask, TaskFilter, TaskPatch } from '../../../ports/store.js';
import { jsonText, toComment } from '../shared/rows.js';
import { taskColumnValues } from '../shared/task-values.js';
import { emit } from './context.js';
import type { ReadContext, WriteContext } from './context.js';
import {
  ancestorLinks,
  ensureBoard,
  parentStates,
  readTasks,
  refreshChildren,
  replaceParents,
  requireTask,
} from './task-queries.js';

export function createTask(ctx: WriteContext, input: NewTask, actor: string | undefined): Task {
  const draft = validateNewTask(input);
  const parents = parentStates(ctx.q, draft.parents);
  checkParents(null, draft.parents, new Set(parents.map((p) => p.id)), new Map());
  const status = initialStatus(parents, draft.triage);
  ensureBoard(ctx, draft.board);
  const id = unusedTaskId(ctx);
  ctx.q.run(
    `INSERT INTO tasks (id, board, title, body, assignee, priority, status, max_runtime_seconds, max_attempts,
       attempts, created_at, updated_at, current_run_id, result)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, NULL, NULL)`,
    id,
    ...taskColumnValues(draft, status),
    ctx.now,
    ctx.now,
  );
  replaceParents(ctx, id, draft.parents);
  emit(ctx, {
    board: draft.board,
    task_id: id,
    kind: 'task_created',
    payload: taskCreatedPayload(draft, status, actor),
  });
  return requireTask(ctx.q, id);
}

/** In one transaction (the caller's), so a failing item leaves nothing of the batch behind. */
export function createTasks(ctx: WriteContext, rawInputs: NewTask[], actor: string | undefined): Task[] {
  const inputs = validateTaskBatch<NewTask>(rawInputs);
  const created: Task[] = [];
  const ids: string[] = [];
  inputs.forEach((input, index) =>
    forBatchItem(index, () => {
      const task = createTask(ctx, resolveBatchParents(input, index, ids), actor);
      created.push(task);
      ids.push(task.id);
    }),
  );
  return created;
}

/** 8 hex digits collide now and then in a large board (birthday bound), so the id is checked before use. */
function unusedTaskId(ctx: WriteContext): string {
  for (;;) {
    const id = newTaskId();
    if (!ctx.q.get('SELECT 1 FROM tasks WHERE id = ?', id)) return id;
  }
}

export function updateTask(ctx: WriteContext, id: string, rawPatch: TaskPatch, actor: string | undefined): Task {
  validateTaskId(id);
  const patch = validateTaskPatch(rawPatch);
  const task = requireTask(ctx.q, id);
  if (patch.parents !== undefined) {
    const known = parentStates(ctx.q, patch.parents);
    checkParents(id, patch.parents, new Set(known.map((p) => p.id)), ancestorLinks(ctx.q, patch.parents));
  }
  const unfinished = parentsNotDone(parentStates(ctx.q, patch.parents ?? task.parents));
  const plan = planTaskUpdate(task, patch, unfinished);
  const { changes } = plan;
  if (Object.keys(changes).length === 0 && plan.status === null) return task;

  const assignments: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown): void => {
    assignments.push(`${column} = ?`);
    params.push(value);
  };
  if (changes.title !== undefined) set('title', changes.title);
  if (changes.body !== undefined) set('body', changes.body);
  if (changes.assignee !== undefined) set('assignee', changes.assignee);
  if (changes.priority !== undefined) set('priority', changes.priority);
  if (changes.max_runtime_seconds !== undefined) set('max_runtime_seconds', changes.max_runtime_seconds);
  if (changes.max_attempts !== undefined) set('max_attempts', changes.max_attempts);
  if (changes.result !== undefined) set('result', jsonText(changes.result));
  if (plan.status) {
    set('status', plan.status.to);
    if (plan.status.resetAttempts) set('attempts', 0);
  }
  set('updated_at', ctx.now);
  ctx.q.run(`UPDATE tasks SET ${assignments.join(', ')} WHERE id = ?`, ...params, id);
  if (changes.parents !== undefined) replaceParents(ctx, id, changes.parents);

  for (const event of taskUpdateEvents(task, plan, actor)) emit(ctx, event);
  if (plan.status && (plan.status.from === 'done' || plan.status.to === 'done')) refreshChildren(ctx, id);
  return requireTask(ctx.q, id);
}

export function listTasks(ctx: ReadContext, filter: TaskFilter = {}): Task[] {
  validateTaskFilter(filter);
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.board !== undefined) {
    clauses.push('t.board = ?');
    params.push(filter.board);
  }
  if (filter.status !== undefined) {
    clauses.push('t.status = ?');
    params.push(filter.status);
  }
  if (filter.assignee !== undefined) {
    clauses.push('t.assignee = ?');
    params.push(filter.assignee);
  }
  const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
  return readTasks(ctx, where, params, filter.limit);
}

export function addComment(ctx: WriteContext, taskId: string, author: string, body: string): Comment {
  validateComment(taskId, author, body);
  const task = requireTask(ctx.q, taskId);
  const result = ctx.q.run(
    'INSERT INTO comments (task_id, author, body, created_at) VALUES (?, ?, ?, ?)',
    taskId,
    author,
    body,
    ctx.now,
  );
  const id = Number(result.lastInsertRowid);
  emit(ctx, { board: task.board, task_id: taskId, kind: 'comment_added', payload: { comment_id: id, author } });
  return { id, task_id: taskId, author, body, created_at: ctx.now };
}

export function listComments(ctx: ReadContext, taskId: string): Comment[] {
  return ctx.q
    .all<Comment>('SELECT id, task_id, author, body, created_at FROM comments WHERE task_id = ? ORDER BY id', taskId)
    .map(toComment);
}

export function countTasksByStatus(ctx: ReadContext, board: string | undefined): Record<TaskStatus, number> {
  if (board !== undefined) validateBoard(board);
  const rows = ctx.q.all<{ status: TaskStatus; n: number }>(
    `SELECT status, COUNT(*) AS n FROM tasks ${board === undefined ? '' : 'WHERE board = ?'} GROUP BY status`,
    ...(board === undefined ? [] : [board]),
  );
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
