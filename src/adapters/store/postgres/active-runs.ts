import { validateActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRunFilter } from '../../../core/active-run-state.js';
import type { ActiveRun } from '../../../core/types.js';
import { ACTIVE_RUN_COLUMNS, activeRunsFromValues } from '../shared/active-run.js';
import type { ActiveRunValues } from '../shared/active-run.js';
import type { ReadContext } from './context.js';
import { rowValues } from './sql.js';

export async function listActiveRuns(ctx: ReadContext, filter: ActiveRunFilter = {}): Promise<ActiveRun[]> {
  const { board, progress_timeout_seconds: timeout } = validateActiveRunFilter(filter);
  const found = await rowValues(
    ctx.db,
    `SELECT ${ACTIVE_RUN_COLUMNS} FROM runs r JOIN tasks t ON t.id = r.task_id
     WHERE r.ended_at IS NULL ${board === undefined ? '' : 'AND r.board = $1'}
     ORDER BY r.started_at DESC, r.id DESC`,
    board === undefined ? [] : [board],
  );
  return activeRunsFromValues(found.map(activeRunValuesFromPostgres), ctx.now, timeout);
}

/** node-postgres reads bigint columns (the run id, the pid) as strings. */
function activeRunValuesFromPostgres(v: unknown[]): ActiveRunValues {
  const values = v.slice() as unknown as { -readonly [K in keyof ActiveRunValues]: ActiveRunValues[K] };
  values[0] = Number(v[0]);
  values[8] = v[8] === null ? null : Number(v[8]);
  return values;
}
