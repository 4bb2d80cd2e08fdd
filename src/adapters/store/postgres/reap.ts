import { endRunEventKind } from '../../../core/events.js';
import { reapVerdict } from '../../../core/lease.js';
import type { ReapResult } from '../../../ports/store.js';
import { reapable } from '../shared/decision-sql.js';
import type { WriteContext } from './context.js';
import { finishRun, lockRunAndTask } from './run-queries.js';
import { rows } from './sql.js';
import type { Executor } from './sql.js';

const REAPABLE_SQL = `SELECT id FROM runs WHERE ${reapable('$1')} ORDER BY id`;

/** Cheap check the reaper makes every tick before opening a transaction. */
export async function anythingToReap(db: Executor, now: number): Promise<boolean> {
  return (await rows<{ id: string }>(db, `${REAPABLE_SQL} LIMIT 1`, [now])).length > 0;
}

/**
 * Every run core/lease.ts reapVerdict does not leave alone, ended as it says. Runs another
 * transaction holds (a heartbeat or completion in flight) are skipped: the next tick sees them again
 * if they still qualify.
 */
export async function reap(ctx: WriteContext): Promise<ReapResult> {
  const due = await rows<{ id: string }>(ctx.db, `${REAPABLE_SQL} FOR UPDATE SKIP LOCKED`, [ctx.now]);
  const result: ReapResult = { reclaimed: [], timed_out: [] };
  for (const { id } of due) {
    const locked = await lockRunAndTask(ctx.db, Number(id));
    const verdict = reapVerdict(locked.run, ctx.now);
    if (verdict === null) continue;
    const { outcome, actor, reason } = verdict;
    result[outcome].push(await finishRun(ctx, locked, { outcome }, { actor, reason }, endRunEventKind(outcome)));
  }
  return result;
}
