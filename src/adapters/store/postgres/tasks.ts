import { NotFoundError } from '../../../core/errors.js';
import { newTaskId } from '../../../core/ids.js';
import { checkParents, initialStatus, parentsNotDone } from '../../../core/readiness.js';
import { taskFromDraft, validateComment, validateNewTask, validateTaskFilter, validateTaskId, validateTaskPatch } from '../../../core/task-input.js';
import { taskCreatedPayload, taskUpdateEvents } from '../../../core/events.js';
import { forBatchItem, forBatchItemAsync, resolveBatchParents, validateTaskBatch } from '../../../core/task-batch.js';
import { planTaskUpdate } from '../../../core/task-update.js';
import { TASK_STATUSES } from '../../../core/types.js';
import type { Comment, EventRow, Task, TaskStatus } from '../../../core/types.js';
import { validateBoard } from '../../../core/validate.js';
import type { NewTask, TaskFilter, TaskPatch } from '../../../ports/store.js';
import { toComment } from '../shared/rows.js';
import { taskColumnValues } from '../shared/task-values.js';
import { emit, pendingEvent } from './context.js';
import { eventsFromJson, insertEventsSql } from './events.js';
import type { ReadContext, WriteContext } from './context.js';
import { execute, jsonParam, row, rows } from './sql.js';
import type { Executor } from './sql.js';
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

export async function countTasksByStatus(ctx: ReadContext, board: string | undefined): Promise<Record<TaskStatus, number>> {
  if (board !== undefined) validateBoard(board);
  const found = await rows<{ status: TaskStatus; n: number }>(
    ctx.db,
    `SELECT status, COUNT(*)::int AS n FROM tasks ${board === undefined ? '' : 'WHERE board = $1'} GROUP BY status`,
    board === undefined ? [] : [board],
  );
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const r of found) counts[r.status] = Number(r.n);
  return counts;
}

export async function listBoards(ctx: ReadContext): Promise<string[]> {
  return (await rows<{ slug: string }>(ctx.db, 'SELECT slug FROM boards ORDER BY slug')).map((r) => r.slug);
}

const CREATE_TASK_SQL = `WITH board AS (
    INSERT INTO boards (slug, created_at) VALUES ($3, $1) ON CONFLICT (slug) DO NOTHING
  ), task AS (
    INSERT INTO tasks (id, board, title, body, assignee, priority, status, max_runtime_seconds, max_attempts, created_at, updated_at)
    VALUES ($2, $3, $4, $5, $6, $7, $8, $9, $10, $1, $1)
    ON CONFLICT (id) DO NOTHING
    RETURNING id, board
  ), pending AS (
    SELECT board, id AS task_id, NULL::bigint AS run_id, 'task_created'::text AS kind, $11::jsonb AS payload, 1::bigint AS ord FROM task
  ), ${insertEventsSql('$1')}
  SELECT (SELECT json_agg(inserted) FROM inserted) AS events FROM task`;

/**
 * A task without parents needs no other row read or locked, so it is created in one statement; a
 * task id already taken (8 hex digits do collide now and then) inserts nothing and is drawn again.
 * Tasks with parents take the general path, which locks and checks the parents.
 */
export async function fastCreateTask(
  db: Executor,
  input: NewTask,
  actor: string | undefined,
  now: number,
): Promise<{ task: Task; events: EventRow[] } | null> {
  const draft = validateNewTask(input);
  if (draft.parents.length > 0) return null;
  const status = initialStatus([], draft.triage);
  const event = pendingEvent({
    board: draft.board,
    kind: 'task_created',
    payload: taskCreatedPayload(draft, status, actor),
  });
  for (;;) {
    const id = newTaskId();
    const created = await row<{ events: unknown }>(db, CREATE_TASK_SQL, [
      now,
      id,
      ...taskColumnValues(draft, status),
      JSON.stringify(event.payload),
    ]);
    if (!created) continue;
    const task: Task = taskFromDraft(draft, id, status, now);
    return { task, events: eventsFromJson(created.events) };
  }
}

type Draft = ReturnType<typeof validateNewTask>;

/*
 * The boards first, then the tasks in the order given (jsonb_to_recordset WITH ORDINALITY keeps it,
 * so their seq, the claim's last tie-breaker, follows the batch). A task id already taken inserts
 * nothing and is drawn again by the caller.
 */
const INSERT_TASKS_SQL = `WITH board AS (
    INSERT INTO boards (slug, created_at) SELECT DISTINCT b, $2::double precision FROM unnest($3::text[]) AS b
    ON CONFLICT (slug) DO NOTHING
  )
  INSERT INTO tasks (id, board, title, body, assignee, priority, status, max_runtime_seconds, max_attempts, created_at, updated_at)
  SELECT x.id, x.board, x.title, x.body, x.assignee, x.priority, x.status, x.max_runtime_seconds, x.max_attempts, $2, $2
  FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id text, board text, title text, body text, assignee text,
      priority bigint, status text, max_runtime_seconds double precision, max_attempts integer))
    WITH ORDINALITY AS x(id, board, title, body, assignee, priority, status, max_runtime_seconds, max_attempts, ord)
  ORDER BY x.ord
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;

/**
 * All-or-nothing inside the caller's transaction. Runs of tasks without parents are inserted with
 * one statement per run (the common bulk enqueue); a task with parents takes createTask's general
 * path, which locks and checks them, including parents created earlier in this same batch.
 */
export async function createTasks(ctx: WriteContext, rawInputs: NewTask[], actor: string | undefined): Promise<Task[]> {
  const inputs = validateTaskBatch<NewTask>(rawInputs);
  const created: Task[] = [];
  const ids: string[] = [];
  let plain: { draft: Draft }[] = [];
  const flushPlain = async (): Promise<void> => {
    if (plain.length === 0) return;
    const tasks = await insertPlain(ctx, plain, actor);
    created.push(...tasks);
    ids.push(...tasks.map((t) => t.id));
    plain = [];
  };
  for (const [index, input] of inputs.entries()) {
    const parents: unknown = (input as { parents?: unknown } | null)?.parents;
    if (!Array.isArray(parents) || parents.length === 0) {
      plain.push({ draft: forBatchItem(index, () => validateNewTask(input)) });
      continue;
    }
    // Its parents may be tasks queued in `plain` (named #n): their ids exist once they are inserted.
    await flushPlain();
    const resolved = forBatchItem(index, () => resolveBatchParents(input, index, ids));
    const task = await forBatchItemAsync(index, () => createTask(ctx, resolved, actor));
    created.push(task);
    ids.push(task.id);
  }
  await flushPlain();
  return created;
}

async function insertPlain(ctx: WriteContext, items: { draft: Draft }[], actor: string | undefined): Promise<Task[]> {
  const status = (draft: Draft) => initialStatus([], draft.triage);
  const ids = distinctIds(items.length, new Set());
  const boards = [...new Set(items.map((item) => item.draft.board))];
  let missing = items.map((_, position) => position);
  for (;;) {
    const batch = missing.map((position) => {
      const { draft } = items[position] as { draft: Draft };
      return {
        id: ids[position],
        board: draft.board,
        title: draft.title,
        body: draft.body,
        assignee: draft.assignee,
        priority: draft.priority,
        status: status(draft),
        max_runtime_seconds: draft.max_runtime_seconds,
        max_attempts: draft.max_attempts,
      };
    });
    const inserted = new Set(
      (await rows<{ id: string }>(ctx.db, INSERT_TASKS_SQL, [JSON.stringify(batch), ctx.now, boards])).map((r) => r.id),
    );
    missing = missing.filter((position) => !inserted.has(ids[position] as string));
    if (missing.length === 0) break;
    // 8 hex digits collide now and then in a large board (birthday bound): those ids are drawn again.
    const redrawn = distinctIds(missing.length, new Set(ids));
    missing.forEach((position, i) => (ids[position] = redrawn[i] as string));
  }
  return items.map(({ draft }, position) => {
    const id = ids[position] as string;
    emit(ctx, {
      board: draft.board,
      task_id: id,
      kind: 'task_created',
      payload: taskCreatedPayload(draft, status(draft), actor),
    });
    return taskFromDraft(draft, id, status(draft), ctx.now);
  });
}

/** Ids distinct from each other and from `taken`: a duplicate inside one INSERT would be skipped silently. */
function distinctIds(count: number, taken: Set<string>): string[] {
  const out: string[] = [];
  while (out.length < count) {
    const id = newTaskId();
    if (taken.has(id)) continue;
    taken.add(id);
    out.push(id);
  }
  return out;
}
