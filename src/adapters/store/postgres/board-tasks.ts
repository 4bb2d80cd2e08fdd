import { CLOSED_STATUSES, OPEN_STATUSES, validateBoardQuery } from '../../../core/board-columns.js';
import type { Task } from '../../../core/types.js';
import { toTask } from '../shared/rows.js';
import type { TaskRow } from '../shared/rows.js';
import type { ReadContext } from './context.js';
import { rows } from './sql.js';
import { TASK_COLUMNS } from './task-queries.js';

const quoted = (statuses: readonly string[]): string => statuses.map((s) => `'${s}'`).join(', ');

// One statement: the open columns whole, each closed column only its newest rows (index board, status, updated_at).
const BOARD_TASKS = [
  `SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.board = $1 AND t.status IN (${quoted(OPEN_STATUSES)})`,
  ...CLOSED_STATUSES.map(
    (status) =>
      `(SELECT ${TASK_COLUMNS} FROM tasks t WHERE t.board = $1 AND t.status = '${status}'
       ORDER BY t.updated_at DESC, t.seq DESC LIMIT $2)`,
  ),
].join('\nUNION ALL\n');

export async function listBoardTasks(ctx: ReadContext, board: string, closedLimit: number): Promise<Task[]> {
  validateBoardQuery(board, closedLimit);
  return (await rows<TaskRow>(ctx.db, BOARD_TASKS, [board, closedLimit])).map(toTask);
}
