import { NotFoundError } from '../../../core/errors.js';
import { statusForParents } from '../../../core/readiness.js';
import type { ParentState } from '../../../core/readiness.js';
import type { Task, TaskStatus } from '../../../core/types.js';
import { toTask } from '../shared/rows.js';
import type { TaskRow } from '../shared/rows.js';
import { emit } from './context.js';
import type { ReadContext, WriteContext } from './context.js';
import type { Statements } from './statements.js';

export const TASK_COLUMNS = `t.id, t.board, t.title, t.body, t.assignee, t.priority, t.status,
  (SELECT json_group_array(parent_id) FROM (SELECT parent_id FROM task_links WHERE task_id = t.id ORDER BY position)) AS parents,
  t.max_runtime_seconds, t.max_attempts, t.attempts, t.created_at, t.updated_at, t.current_run_id, t.result`;

export function selectTask(q: Statements, id: string): Task | null {
  const row = q.get<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.id = ?`, id);
  return row ? toTask(row) : null;
}

export function requireTask(q: Statements, id: string): Task {
  const task = selectTask(q, id);
  if (!task) throw new NotFoundError(`task ${id} not found`);
  return task;
}

export function ensureBoard(ctx: WriteContext, board: string): void {
  ctx.q.run('INSERT OR IGNORE INTO boards (slug, created_at) VALUES (?, ?)', board, ctx.now);
}

/** The existing tasks among `ids`, with their status. */
export function parentStates(q: Statements, ids: readonly string[]): ParentState[] {
  if (ids.length === 0) return [];
  const rows = q.all<ParentState>(
    'SELECT id, status FROM tasks WHERE id IN (SELECT value FROM json_each(?))',
    JSON.stringify(ids),
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Child → parents for every task reachable upward from `ids`: what cycle detection walks. */
export function ancestorLinks(q: Statements, ids: readonly string[]): Map<string, string[]> {
  const rows = q.all<{ task_id: string; parent_id: string }>(
    `WITH RECURSIVE up(id) AS (
       SELECT value FROM json_each(?)
       UNION SELECT l.parent_id FROM task_links l JOIN up ON l.task_id = up.id
     )
     SELECT task_id, parent_id FROM task_links WHERE task_id IN (SELECT id FROM up) ORDER BY task_id, position`,
    JSON.stringify(ids),
  );
  const links = new Map<string, string[]>();
  for (const row of rows) {
    const list = links.get(row.task_id) ?? [];
    list.push(row.parent_id);
    links.set(row.task_id, list);
  }
  return links;
}

export function replaceParents(ctx: WriteContext, taskId: string, parents: readonly string[]): void {
  ctx.q.run('DELETE FROM task_links WHERE task_id = ?', taskId);
  parents.forEach((parent, position) => {
    ctx.q.run('INSERT INTO task_links (task_id, parent_id, position) VALUES (?, ?, ?)', taskId, parent, position);
  });
}

export function setTaskStatus(ctx: WriteContext, taskId: string, status: TaskStatus): void {
  ctx.q.run('UPDATE tasks SET status = ?, updated_at = ? WHERE id = ?', status, ctx.now, taskId);
}

/**
 * After a task enters or leaves `done`, its waiting children follow: todo → ready once every parent
 * is done, ready → todo when a parent was reopened.
 */
export function refreshChildren(ctx: WriteContext, parentId: string): void {
  const children = ctx.q.all<{ id: string; board: string; status: TaskStatus; unfinished: number }>(
    `SELECT c.id, c.board, c.status,
       (SELECT COUNT(*) FROM task_links l2 JOIN tasks p ON p.id = l2.parent_id
        WHERE l2.task_id = c.id AND p.status <> 'done') AS unfinished
     FROM task_links l JOIN tasks c ON c.id = l.task_id
     WHERE l.parent_id = ? AND c.status IN ('todo', 'ready')
     ORDER BY c.seq`,
    parentId,
  );
  for (const child of children) {
    const to = statusForParents(child.status, child.unfinished === 0);
    if (to === child.status) continue;
    setTaskStatus(ctx, child.id, to);
    emit(ctx, {
      board: child.board,
      task_id: child.id,
      kind: 'task_status',
      payload: { from: child.status, to, reason: to === 'ready' ? 'parents done' : `parent ${parentId} reopened` },
    });
  }
}

export function allParentsDone(q: Statements, taskId: string): boolean {
  const row = q.get<{ unfinished: number }>(
    `SELECT COUNT(*) AS unfinished FROM task_links l JOIN tasks p ON p.id = l.parent_id
     WHERE l.task_id = ? AND p.status <> 'done'`,
    taskId,
  );
  return (row?.unfinished ?? 0) === 0;
}

export function readTasks(ctx: ReadContext, where: string, params: unknown[], limit: number | undefined): Task[] {
  const limitSql = limit === undefined ? '' : ' LIMIT ?';
  const rows = ctx.q.all<TaskRow>(
    `SELECT ${TASK_COLUMNS} FROM tasks t ${where} ORDER BY t.created_at, t.seq${limitSql}`,
    ...params,
    ...(limit === undefined ? [] : [limit]),
  );
  return rows.map(toTask);
}
