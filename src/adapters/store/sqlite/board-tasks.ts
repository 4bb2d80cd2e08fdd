import { CLOSED_STATUSES, OPEN_STATUSES, validateBoardQuery } from '../../../core/board-columns.js';
import type { Task } from '../../../core/types.js';
import { toTask } from '../shared/rows.js';
import type { TaskRow } from '../shared/rows.js';
import type { ReadContext } from './context.js';
import type { ReadCache } from './read-cache.js';
import { TASK_COLUMNS } from './task-queries.js';

const quoted = (statuses: readonly string[]): string => statuses.map((s) => `'${s}'`).join(', ');

// One statement, each part read from the index (board, status, updated_at): the open columns whole, each
// closed column only its newest rows, so a million done tasks cost as much as two hundred.
const BOARD_TASKS = [
  `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.board = @board AND t.status IN (${quoted(OPEN_STATUSES)})`,
  ...CLOSED_STATUSES.map(
    (status) =>
      `SELECT * FROM (SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.board = @board AND t.status = '${status}'
       ORDER BY t.updated_at DESC, t.seq DESC LIMIT @limit)`,
  ),
].join('\nUNION ALL\n');

/** The tasks one board shows; rows are re-read only after the database changed, tasks are new objects each call. */
export function listBoardTasks(ctx: ReadContext, cache: ReadCache, board: string, closedLimit: number): Task[] {
  validateBoardQuery(board, closedLimit);
  return cache.get(keyOf(board, closedLimit), loader(ctx, board, closedLimit)).map(toTask);
}

/** The stamp of the rows listBoardTasks answers from: they change only when the database changed the board. */
export function boardTasksStamp(ctx: ReadContext, cache: ReadCache, board: string, closedLimit: number): string {
  validateBoardQuery(board, closedLimit);
  return `rows#${cache.stamp(keyOf(board, closedLimit), loader(ctx, board, closedLimit))}`;
}

const keyOf = (board: string, closedLimit: number): string => `board:${closedLimit}:${board}`;

function loader(ctx: ReadContext, board: string, closedLimit: number): () => TaskRow[] {
  return () => ctx.q.all<TaskRow>(BOARD_TASKS, { board, limit: closedLimit });
}
