import { ConflictError } from '../../core/errors.js';
import type { Claimed } from '../../ports/store.js';
import type { ProcessInspector } from '../../ports/process-inspector.js';
import { issueToken } from '../tokens.js';
import { childEnvironment } from './child-env.js';
import { closeQuietly, openRunLog } from './run-log.js';
import { spawnWorker } from './spawn.js';
import { RunSupervisor } from './supervise.js';
import type { SupervisorDeps } from './supervise.js';
import type { DispatchProfile } from './types.js';
import { watchChild } from './watched-process.js';

export interface LaunchDeps extends SupervisorDeps {
  hostname: string;
  apiUrl: () => string;
  inspector: ProcessInspector;
}

/**
 * Starts the worker process of a freshly claimed run and hands it to a supervisor; a spawn that fails
 * closes the run as spawn_failed. Returns null when there is no process to supervise.
 */
export async function launchRun(
  deps: LaunchDeps,
  profileName: string,
  profile: DispatchProfile,
  claimed: Claimed,
): Promise<RunSupervisor | null> {
  const { run, task } = claimed;
  const issued = await issueToken(deps.store, { role: 'worker', name: run.worker, run_id: run.id });
  const env = childEnvironment(process.env, profile.env, {
    url: deps.apiUrl(),
    token: issued.token,
    runId: run.id,
    claimToken: run.claim_token,
    taskId: task.id,
    taskTitle: task.title,
    taskBody: task.body,
    board: task.board,
    profile: profileName,
  });
  const logFd = openRunLog(deps.logDir, run.id);
  let spawned;
  try {
    spawned = await spawnWorker({ command: profile.command, cwd: profile.cwd, env, logFd });
  } finally {
    // The child holds its own copy of the descriptor.
    closeQuietly(logFd);
  }
  if (!spawned.ok) {
    await closeSpawnFailed(deps, run.id, task.id, profileName, spawned.error);
    await deps.store.revokeRunTokens(run.id);
    return null;
  }
  const { child, pid, exited } = spawned;
  const startTime = await deps.inspector.startTime(pid);
  const proc = watchChild(child, pid, startTime, exited);
  try {
    await deps.store.recordProcess(run.id, { pid, worker_started_at: startTime, host: deps.hostname });
  } catch (err) {
    // Stopped or closed between claim and spawn: this process must not work on a task no longer its own.
    if (proc.killGroupUnchecked()) {
      await deps.audit.record({
        run_id: run.id,
        actor: 'dispatcher',
        reason: 'run stopped or closed before its process was recorded',
        pid,
        signal: 'SIGKILL',
        group: true,
        sent: true,
        refusal: null,
      });
    }
    await exited;
    if (err instanceof ConflictError) {
      await deps.store.revokeRunTokens(run.id);
      return null;
    }
    throw err;
  }
  deps.emit({ type: 'spawned', run_id: run.id, task_id: task.id, profile: profileName, pid });
  return new RunSupervisor(deps, run, proc);
}

async function closeSpawnFailed(
  deps: LaunchDeps,
  runId: number,
  taskId: string,
  profile: string,
  error: string,
): Promise<void> {
  deps.emit({ type: 'spawn_failed', run_id: runId, task_id: taskId, profile, error });
  try {
    const ended = await deps.store.endRun(runId, { outcome: 'spawn_failed', error, actor: 'dispatcher' });
    deps.emit({ type: 'settled', run_id: runId, task_id: taskId, outcome: ended.run.outcome ?? 'spawn_failed', error });
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
}
