import { newTaskId } from '../../../core/ids.js';
import { initialStatus } from '../../../core/readiness.js';
import { forBatchItem, forBatchItemAsync, resolveBatchParents, validateTaskBatch } from '../../../core/task-batch.js';
import { taskFromDraft, validateNewTask } from '../../../core/task-input.js';
import { taskCreatedPayload } from '../../../core/events.js';
import type { Task } from '../../../core/types.js';
import type { NewTask } from '../../../ports/store.js';
import { emit } from './context.js';
import type { WriteContext } from './context.js';
import { rows } from './sql.js';
import { createTask } from './tasks.js';

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
