import { validateActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRun } from '../../../core/types.js';
import { ACTIVE_RUN_COLUMNS, activeRunsAt } from '../shared/active-run.js';
import type { ActiveRunRow } from '../shared/active-run.js';
import type { ReadContext } from './context.js';
import { rows } from './sql.js';

/**
 * Every live run with its task, newest first, with their state at the context's time: fresh objects
 * but for the unchanged runs of `previous` (see activeRunsAt).
 */
export async function listActiveRuns(ctx: ReadContext, filter: ActiveRunFilter = {}, previous?: readonly ActiveRun[]): Promise<ActiveRun[]> {
  const valid = validateActiveRunFilter(filter);
  const found = await rows<ActiveRunRow>(
    ctx.db,
    `SELECT ${ACTIVE_RUN_COLUMNS} FROM runs r JOIN tasks t ON t.id = r.task_id
     WHERE r.ended_at IS NULL ${valid.board === undefined ? '' : 'AND r.board = $1'}
     ORDER BY r.started_at DESC, r.id DESC`,
    valid.board === undefined ? [] : [valid.board],
  );
  // node-postgres reads bigint columns (the run id, the pid) as strings.
  for (const row of found) {
    row.run_id = Number(row.run_id);
    if (row.worker_pid !== null) row.worker_pid = Number(row.worker_pid);
  }
  return activeRunsAt(found, ctx.now, valid, previous);
}
