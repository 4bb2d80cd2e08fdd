import { NotFoundError } from '../../../core/errors.js';
import { statusForParents } from '../../../core/readiness.js';
import type { ParentState } from '../../../core/readiness.js';
import type { Task, TaskStatus } from '../../../core/types.js';
import { toTask } from '../shared/rows.js';
import type { TaskRow } from '../shared/rows.js';
import { emit } from './context.js';
import type { WriteContext } from './context.js';
import { execute, row, rows } from './sql.js';
import type { Executor } from './sql.js';

/** The task columns of the public shape; `t` is the tasks row. */
export const TASK_COLUMNS = `t.id, t.board, t.title, t.body, t.assignee, t.priority, t.status,
  COALESCE((SELECT jsonb_agg(l.parent_id ORDER BY l.position) FROM task_links l WHERE l.task_id = t.id), '[]'::jsonb) AS parents,
  t.max_runtime_seconds, t.max_attempts, t.attempts, t.created_at, t.updated_at, t.current_run_id, t.result`;

export async function selectTask(db: Executor, id: string): Promise<Task | null> {
  const found = await row<TaskRow>(db, `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = $1`, [id]);
  return found ? toTask(found) : null;
}

export async function requireTask(db: Executor, id: string): Promise<Task> {
  const task = await selectTask(db, id);
  if (!task) throw new NotFoundError(`task ${id} not found`);
  return task;
}

/** Reads a task and locks its row until the transaction ends. */
export async function lockTask(db: Executor, id: string): Promise<Task | null> {
  const found = await row<TaskRow>(db, `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = $1 FOR UPDATE OF t`, [id]);
  return found ? toTask(found) : null;
}

export async function ensureBoard(ctx: WriteContext, board: string): Promise<void> {
  await execute(ctx.db, 'INSERT INTO boards (slug, created_at) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING', [board, ctx.now]);
}

/**
 * The existing tasks among `ids` with their status, marking them as parents. The UPDATE locks
 * each parent row and, under READ COMMITTED, returns its latest committed status: a parent that
 * completes at the same moment either finishes first (and is seen as done here) or waits for this
 * transaction (and then sees the new child in its readiness walk).
 */
export async function lockParents(ctx: WriteContext, ids: readonly string[]): Promise<ParentState[]> {
  if (ids.length === 0) return [];
  const found = await rows<ParentState>(
    ctx.db,
    `UPDATE tasks t SET has_children = true
     FROM (SELECT seq FROM tasks WHERE id = ANY($1::text[]) ORDER BY seq FOR UPDATE) locked
     WHERE t.seq = locked.seq
     RETURNING t.id, t.status`,
    [ids],
  );
  const byId = new Map(found.map((p) => [p.id, p]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** The existing tasks among `ids` with their latest status, share-locked so none of them changes status meanwhile. */
export async function parentStates(db: Executor, ids: readonly string[]): Promise<ParentState[]> {
  if (ids.length === 0) return [];
  const found = await rows<ParentState>(db, 'SELECT id, status FROM tasks WHERE id = ANY($1::text[]) ORDER BY seq FOR SHARE', [ids]);
  const byId = new Map(found.map((p) => [p.id, p]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Child → parents for every task reachable upward from `ids`: what cycle detection walks. */
export async function ancestorLinks(db: Executor, ids: readonly string[]): Promise<Map<string, string[]>> {
  const found = await rows<{ task_id: string; parent_id: string }>(
    db,
    `WITH RECURSIVE up(id) AS (
       SELECT unnest($1::text[])
       UNION SELECT l.parent_id FROM task_links l JOIN up ON l.task_id = up.id
     )
     SELECT task_id, parent_id FROM task_links WHERE task_id IN (SELECT id FROM up) ORDER BY task_id, position`,
    [ids],
  );
  const links = new Map<string, string[]>();
  for (const link of found) {
    const list = links.get(link.task_id) ?? [];
    list.push(link.parent_id);
    links.set(link.task_id, list);
  }
  return links;
}

export async function replaceParents(ctx: WriteContext, taskId: string, parents: readonly string[], replacing: boolean): Promise<void> {
  if (replacing) await execute(ctx.db, 'DELETE FROM task_links WHERE task_id = $1', [taskId]);
  if (parents.length === 0) return;
  await execute(
    ctx.db,
    `INSERT INTO task_links (task_id, parent_id, position)
     SELECT $1, p.parent_id, p.ord - 1 FROM unnest($2::text[]) WITH ORDINALITY AS p(parent_id, ord)`,
    [taskId, parents],
  );
}

export async function allParentsDone(db: Executor, taskId: string): Promise<boolean> {
  const found = await row<{ unfinished: number }>(
    db,
    `SELECT COUNT(*)::int AS unfinished FROM task_links l JOIN tasks p ON p.id = l.parent_id
     WHERE l.task_id = $1 AND p.status <> 'done'`,
    [taskId],
  );
  return (found?.unfinished ?? 0) === 0;
}

/**
 * After a task enters or leaves `done`, its waiting children follow: todo → ready once every parent
 * is done, ready → todo when a parent was reopened. The children are locked first and their parents
 * counted in a second statement: under READ COMMITTED that statement's snapshot already includes
 * whatever a concurrent parent change committed while we waited for the locks, so two parents
 * finishing at once cannot both leave their common child in todo.
 */
export async function refreshChildren(ctx: WriteContext, parentId: string): Promise<void> {
  const locked = await rows<{ seq: string }>(
    ctx.db,
    `SELECT c.seq FROM task_links l JOIN tasks c ON c.id = l.task_id
     WHERE l.parent_id = $1 AND c.status IN ('todo', 'ready')
     ORDER BY c.seq FOR UPDATE OF c`,
    [parentId],
  );
  if (locked.length === 0) return;
  const children = await rows<{ seq: string; id: string; board: string; status: TaskStatus; unfinished: number }>(
    ctx.db,
    `SELECT c.seq, c.id, c.board, c.status,
       (SELECT COUNT(*)::int FROM task_links l2 JOIN tasks p ON p.id = l2.parent_id
        WHERE l2.task_id = c.id AND p.status <> 'done') AS unfinished
     FROM tasks c WHERE c.seq = ANY($1::bigint[]) ORDER BY c.seq`,
    [locked.map((c) => c.seq)],
  );
  const moves: { id: string; board: string; from: TaskStatus; to: TaskStatus }[] = [];
  for (const child of children) {
    const to = statusForParents(child.status, child.unfinished === 0);
    if (to !== child.status) moves.push({ id: child.id, board: child.board, from: child.status, to });
  }
  if (moves.length === 0) return;
  await execute(
    ctx.db,
    `UPDATE tasks t SET status = m.status, updated_at = $3
     FROM unnest($1::text[], $2::text[]) AS m(id, status) WHERE t.id = m.id`,
    [moves.map((m) => m.id), moves.map((m) => m.to), ctx.now],
  );
  for (const move of moves) {
    emit(ctx, {
      board: move.board,
      task_id: move.id,
      kind: 'task_status',
      payload: { from: move.from, to: move.to, reason: move.to === 'ready' ? 'parents done' : `parent ${parentId} reopened` },
    });
  }
}

export async function readTasks(db: Executor, where: string, params: unknown[], limit: number | undefined): Promise<Task[]> {
  const limitSql = limit === undefined ? '' : ` LIMIT $${params.length + 1}`;
  const found = await rows<TaskRow>(
    db,
    `SELECT ${TASK_COLUMNS} FROM tasks t ${where} ORDER BY t.created_at, t.seq${limitSql}`,
    limit === undefined ? params : [...params, limit],
  );
  return found.map(toTask);
}
