import { CLOSED_STATUSES, OPEN_STATUSES, isClosedLimit } from '../../../core/board-columns.js';
import { InvalidInputError } from '../../../core/errors.js';
import { isBoardSlug } from '../../../core/ids.js';
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
  if (!isBoardSlug(board)) throw new InvalidInputError(`board ${JSON.stringify(board)} is not a board slug`);
  if (!isClosedLimit(closedLimit)) throw new InvalidInputError('closed_limit must be an integer from 0 to 10000');
  const rows = cache.get(`board:${closedLimit}:${board}`, () => ctx.q.all<TaskRow>(BOARD_TASKS, { board, limit: closedLimit }));
  return rows.map(toTask);
}
