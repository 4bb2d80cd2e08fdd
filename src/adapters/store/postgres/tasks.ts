import { NotFoundError } from '../../../core/errors.js';
import { newTaskId } from '../../../core/ids.js';
import { checkParents, initialStatus, parentsNotDone } from '../../../core/readiness.js';
import { taskFromDraft, validateComment, validateNewTask, validateTaskFilter, validateTaskId, validateTaskPatch } from '../../../core/task-input.js';
import { taskCreatedPayload, taskUpdateEvents } from '../../../core/events.js';
import { planTaskUpdate } from '../../../core/task-update.js';
import type { Comment, Task } from '../../../core/types.js';
import type { NewTask, TaskFilter, TaskPatch } from '../../../ports/store.js';
import { toComment } from '../shared/rows.js';
import { taskColumnValues } from '../shared/task-values.js';
import { emit } from './context.js';
import type { ReadContext, WriteContext } from './context.js';
import { execute, jsonParam, row, rows } from './sql.js';
import {
  ancestorLinks,
  ensureBoard,
  lockParents,
  lockTask,
  parentStates,
  readTasks,
  refreshChildren,
  replaceParents,
  requireTask,
} from './task-queries.js';

export async function createTask(ctx: WriteContext, input: NewTask, actor: string | undefined): Promise<Task> {
  const draft = validateNewTask(input);
  const parents = await lockParents(ctx, draft.parents);
  checkParents(null, draft.parents, new Set(parents.map((p) => p.id)), new Map());
  const status = initialStatus(parents, draft.triage);
  await ensureBoard(ctx, draft.board);
  const id = await insertTask(ctx, draft, status);
  await replaceParents(ctx, id, draft.parents, false);
  emit(ctx, {
    board: draft.board,
    task_id: id,
    kind: 'task_created',
    payload: taskCreatedPayload(draft, status, actor),
  });
  return taskFromDraft(draft, id, status, ctx.now);
}

/** 8 hex digits collide now and then in a large board (birthday bound): a taken id is simply drawn again. */
async function insertTask(ctx: WriteContext, draft: ReturnType<typeof validateNewTask>, status: Task['status']): Promise<string> {
  for (;;) {
    const inserted = await row<{ id: string }>(
      ctx.db,
      `INSERT INTO tasks (id, board, title, body, assignee, priority, status, max_runtime_seconds, max_attempts, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [newTaskId(), ...taskColumnValues(draft, status), ctx.now],
    );
    if (inserted) return inserted.id;
  }
}

export async function updateTask(ctx: WriteContext, id: string, rawPatch: TaskPatch, actor: string | undefined): Promise<Task> {
  validateTaskId(id);
  const patch = validateTaskPatch(rawPatch);
  const task = await lockTask(ctx.db, id);
  if (!task) throw new NotFoundError(`task ${id} not found`);
  let parents;
  if (patch.parents !== undefined) {
    parents = await lockParents(ctx, patch.parents);
    checkParents(id, patch.parents, new Set(parents.map((p) => p.id)), await ancestorLinks(ctx.db, patch.parents));
  } else {
    parents = await parentStates(ctx.db, task.parents);
  }
  const plan = planTaskUpdate(task, patch, parentsNotDone(parents));
  const { changes } = plan;
  if (Object.keys(changes).length === 0 && plan.status === null) return task;

  const assignments: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown, cast = ''): void => {
    params.push(value);
    assignments.push(`${column} = $${params.length}${cast}`);
  };
  if (changes.title !== undefined) set('title', changes.title);
  if (changes.body !== undefined) set('body', changes.body);
  if (changes.assignee !== undefined) set('assignee', changes.assignee);
  if (changes.priority !== undefined) set('priority', changes.priority);
  if (changes.max_runtime_seconds !== undefined) set('max_runtime_seconds', changes.max_runtime_seconds);
  if (changes.max_attempts !== undefined) set('max_attempts', changes.max_attempts);
  if (changes.result !== undefined) set('result', jsonParam(changes.result), '::jsonb');
  if (plan.status) {
    set('status', plan.status.to);
    if (plan.status.resetAttempts) set('attempts', 0);
  }
  set('updated_at', ctx.now);
  params.push(id);
  await execute(ctx.db, `UPDATE tasks SET ${assignments.join(', ')} WHERE id = $${params.length}`, params);
  if (changes.parents !== undefined) await replaceParents(ctx, id, changes.parents, true);

  for (const event of taskUpdateEvents(task, plan, actor)) emit(ctx, event);
  if (plan.status && (plan.status.from === 'done' || plan.status.to === 'done')) await refreshChildren(ctx, id);
  return requireTask(ctx.db, id);
}

export async function listTasks(ctx: ReadContext, filter: TaskFilter = {}): Promise<Task[]> {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const where = (sql: string, value: unknown): void => {
    params.push(value);
    clauses.push(`${sql} $${params.length}`);
  };
  validateTaskFilter(filter);
  if (filter.board !== undefined) where('t.board =', filter.board);
  if (filter.status !== undefined) where('t.status =', filter.status);
  if (filter.assignee !== undefined) where('t.assignee =', filter.assignee);
  return readTasks(ctx.db, clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params, filter.limit);
}

export async function addComment(ctx: WriteContext, taskId: string, author: string, body: string): Promise<Comment> {
  validateComment(taskId, author, body);
  const task = await requireTask(ctx.db, taskId);
  const inserted = await row<Comment>(
    ctx.db,
    'INSERT INTO comments (task_id, author, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id, task_id, author, body, created_at',
    [taskId, author, body, ctx.now],
  );
  if (!inserted) throw new Error('comment insert returned no row');
  const comment = toComment(inserted);
  emit(ctx, { board: task.board, task_id: taskId, kind: 'comment_added', payload: { comment_id: comment.id, author } });
  return comment;
}

export async function listComments(ctx: ReadContext, taskId: string): Promise<Comment[]> {
  const found = await rows<Comment>(
    ctx.db,
    'SELECT id, task_id, author, body, created_at FROM comments WHERE task_id = $1 ORDER BY id',
    [taskId],
  );
  return found.map(toComment);
}
