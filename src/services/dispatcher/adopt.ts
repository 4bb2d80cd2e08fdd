import { ConflictError } from '../../core/errors.js';
import type { Run } from '../../core/types.js';
import type { ProcessInspector } from '../../ports/process-inspector.js';
import { VANISHED_WHILE_DOWN } from './exit-outcome.js';
import { RunSupervisor } from './supervise.js';
import type { SupervisorDeps } from './supervise.js';
import { watchAdopted } from './watched-process.js';

export const NEVER_STARTED = 'dispatcher stopped before the worker process was recorded';

export interface AdoptDeps extends SupervisorDeps {
  inspector: ProcessInspector;
  hostname: string;
  pollMs: number;
}

/** A run this host's dispatcher spawned (claims made by other workers carry no such mark). */
export function isDispatcherRun(run: Pick<Run, 'metadata'>): boolean {
  return run.metadata['dispatcher'] === true;
}

/**
 * After a restart: every live run a dispatcher of this host spawned either still has its process,
 * which is adopted (lease renewed, exit watched by polling), or is closed as crashed, so no run is
 * orphaned and no task runs twice.
 */
export async function adoptLiveRuns(deps: AdoptDeps, skip: ReadonlySet<number>): Promise<RunSupervisor[]> {
  const adopted: RunSupervisor[] = [];
  for (const active of await deps.store.listActiveRuns()) {
    if (active.host !== deps.hostname || skip.has(active.run_id)) continue;
    const run = await deps.store.getRun(active.run_id);
    if (run === null || run.ended_at !== null || !isDispatcherRun(run)) continue;
    try {
      const supervisor = await adoptRun(deps, run);
      if (supervisor !== null) adopted.push(supervisor);
    } catch (err) {
      // One run that cannot be looked at must not leave the others unwatched; the reaper still covers it.
      deps.emit({ type: 'error', run_id: run.id, error: `adopting: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
  return adopted;
}

async function adoptRun(deps: AdoptDeps, run: Run): Promise<RunSupervisor | null> {
  const pid = run.worker_pid;
  const startTime = run.worker_started_at;
  // Without a start time the pid cannot be told apart from a recycled one: the worker had exited by the time it was recorded.
  const check = pid !== null && startTime !== null ? await deps.inspector.check(pid, startTime) : null;
  if (pid === null || startTime === null || check === null || !check.alive) {
    await closeVanished(deps, run, pid === null ? NEVER_STARTED : VANISHED_WHILE_DOWN);
    return null;
  }
  deps.emit({ type: 'adopted', run_id: run.id, task_id: run.task_id, pid });
  return new RunSupervisor(deps, run, watchAdopted(deps.inspector, pid, startTime, deps.pollMs));
}

async function closeVanished(deps: AdoptDeps, run: Run, error: string): Promise<void> {
  // A stop that was under way when the server went down is finished by the reaper once the lease lapses.
  if (run.stop_requested_at !== null) return;
  try {
    const ended = await deps.store.endRun(run.id, { outcome: 'crashed', error, actor: 'dispatcher' });
    deps.emit({
      type: 'settled',
      run_id: run.id,
      task_id: run.task_id,
      outcome: ended.run.outcome ?? 'crashed',
      error: ended.run.error,
    });
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
  await deps.store.revokeRunTokens(run.id);
}
