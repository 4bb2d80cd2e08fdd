import { endRunEventKind } from '../../../core/events.js';
import { reapVerdict } from '../../../core/lease.js';
import type { ReapResult } from '../../../ports/store.js';
import { reapable } from '../shared/decision-sql.js';
import { toRun } from '../shared/rows.js';
import type { RunRow } from '../shared/rows.js';
import type { WriteContext } from './context.js';
import { finishRun } from './run-queries.js';

/** Every run core/lease.ts reapVerdict does not leave alone, ended as it says. */
export function reap(ctx: WriteContext): ReapResult {
  const rows = ctx.q.all<RunRow>(`SELECT * FROM runs WHERE ${reapable('@now')}`, { now: ctx.now });
  // Sorted here rather than in SQL: an ORDER BY id would steer SQLite to a full table scan instead of the partial index.
  rows.sort((a, b) => a.id - b.id);
  const result: ReapResult = { reclaimed: [], timed_out: [] };
  for (const run of rows.map(toRun)) {
    const verdict = reapVerdict(run, ctx.now);
    if (verdict === null) continue;
    const { outcome, actor, reason } = verdict;
    result[outcome].push(finishRun(ctx, run, { outcome }, { actor, reason }, endRunEventKind(outcome)));
  }
  return result;
}
