import { ConflictError, NotFoundError } from '../core/errors.js';
import type { Run, StopDestination, Task, TaskStatus, WorkerOrigin } from '../core/types.js';
import type { Bus } from '../ports/bus.js';
import { stopRefusal } from '../core/signal-policy.js';
import type { ProcessSignaller, SignalAsk, SignalAudit, TerminateResult } from '../ports/process-inspector.js';
import type { Store, TaskPatch } from '../ports/store.js';
import { validateTaskPatch } from '../core/task-input.js';
import { inspectRemoteProcesses, MAX_INSPECT_BATCH, terminateRemoteProcess } from './host-agent.js';
import type { InspectRequest, ProcessLook } from './host-agent.js';
import type { ProcessSampler } from './process-sampler.js';

export const DEFAULT_GRACE_SECONDS = 10;

export interface StopRunOptions {
  outcome: 'terminated' | 'reclaimed';
  then?: StopDestination;
  reason?: string;
  actor?: string;
  grace_seconds?: number;
}

export interface StopRunResult {
  ok: true;
  run_id: number;
  task_id: string;
  terminated: boolean;
  signal: 'SIGTERM' | 'SIGKILL' | null;
  /** `fence` when nothing was signalled: the fenced token tells the worker on its next heartbeat or completion. */
  stopped_by: 'signal' | 'fence';
}

export type RunInspection = { run_id: number; host?: string; worker_origin?: WorkerOrigin | null } & ProcessLook;

export interface RunControl {
  /** The live figures of a run's process, checked against its recorded start time; NotFoundError for an unknown run. */
  inspectRun(runId: number): Promise<RunInspection>;
  /**
   * The same answer for many runs at once, in order; an unknown run answers `run not found`.
   * Local pids are read in one pass, each other host is asked once for all of its pids.
   */
  inspectRuns(runIds: readonly number[]): Promise<RunInspection[]>;
  stopRun(runId: number, opts: StopRunOptions): Promise<StopRunResult>;
  /** Reclaims whatever run holds the task; ConflictError when nothing does. */
  reclaimTask(taskId: string, by: { actor?: string; reason?: string }): Promise<StopRunResult>;
  /** PATCH of a task: a running task that is moved or reassigned has its run stopped first. */
  moveTask(taskId: string, patch: TaskPatch, actor?: string): Promise<Task>;
}

export interface RunControlDeps {
  store: Store;
  signaller: ProcessSignaller;
  /** Where the refusals decided here (a declared pid) are written; the signaller writes its own. */
  audit: SignalAudit;
  bus: Bus;
  hostname: string;
  /** Keeps the previous reading of each process, so CPU % needs no sampling wait. */
  sampler: ProcessSampler;
  /** The active listing's own setting: inspect reads the live runs from the same (cached) listing. */
  progressTimeoutSeconds?: number;
  defaultGraceSeconds?: number;
}

/** What inspect needs of a run, from the active listing or, for one not in it, from the run itself. */
interface InspectTarget {
  run_id: number;
  ended: boolean;
  pid: number | null;
  started_at: number | null;
  host: string;
  origin: WorkerOrigin | null;
}

const DESTINATION_OF_STATUS: Record<Exclude<TaskStatus, 'running'>, StopDestination> = {
  ready: 'requeue',
  // triage and todo are not stop destinations: the run ends requeued and the patch then sets the status.
  triage: 'requeue',
  todo: 'requeue',
  blocked: 'block',
  done: 'done',
  archived: 'archive',
};

/** Statuses the stop itself puts the task in, so the patch must not set them a second time. */
const SETTLED_BY_STOP = new Set<TaskStatus>(['ready', 'blocked', 'done', 'archived']);

export function createRunControl(deps: RunControlDeps): RunControl {
  const { store, signaller, audit, bus, hostname } = deps;
  const defaultGrace = deps.defaultGraceSeconds ?? DEFAULT_GRACE_SECONDS;

  async function liveRun(runId: number): Promise<Run> {
    const run = await store.getRun(runId);
    if (!run) throw new NotFoundError(`run ${runId} not found`);
    if (run.ended_at !== null) throw new ConflictError(`run ${runId} already ended`);
    return run;
  }

  async function stopProcess(run: Run, graceSeconds: number, ask: SignalAsk): Promise<TerminateResult> {
    const refusal = stopRefusal(run);
    if (refusal !== null) {
      // Not ours to signal: the fence set before this call is what stops that worker.
      if (run.worker_pid !== null) {
        await audit.record({ ...ask, pid: run.worker_pid, signal: 'SIGTERM', group: false, sent: false, refusal });
      }
      return { terminated: false, signal: null, reason: refusal };
    }
    const pid = run.worker_pid as number;
    if (run.host === hostname) return signaller.terminate(pid, run.worker_started_at, graceSeconds, ask);
    return terminateRemoteProcess(bus, run.host, { pid, started_at: run.worker_started_at, grace_seconds: graceSeconds, ...ask });
  }

  async function targetsOf(runIds: readonly number[]): Promise<(InspectTarget | null)[]> {
    const listing = await store.listActiveRuns(
      deps.progressTimeoutSeconds === undefined ? {} : { progress_timeout_seconds: deps.progressTimeoutSeconds },
    );
    const live = new Map(listing.map((row) => [row.run_id, row]));
    return Promise.all(
      runIds.map(async (runId): Promise<InspectTarget | null> => {
        const row = live.get(runId);
        if (row) {
          return { run_id: runId, ended: false, pid: row.worker_pid, started_at: row.worker_started_at, host: row.host, origin: row.worker_origin };
        }
        // Not live (or ended a moment ago): the run itself says which.
        const run = await store.getRun(runId);
        if (!run) return null;
        return {
          run_id: runId,
          ended: run.ended_at !== null,
          pid: run.worker_pid,
          started_at: run.worker_started_at,
          host: run.host,
          origin: run.worker_origin,
        };
      }),
    );
  }

  /** A host agent takes at most MAX_INSPECT_BATCH pids a request; a larger listing is asked in parts, at once. */
  async function askHost(host: string, requests: InspectRequest[]): Promise<ProcessLook[]> {
    const parts: InspectRequest[][] = [];
    for (let i = 0; i < requests.length; i += MAX_INSPECT_BATCH) parts.push(requests.slice(i, i + MAX_INSPECT_BATCH));
    return (await Promise.all(parts.map((part) => inspectRemoteProcesses(bus, host, part)))).flat();
  }

  /** Every process, grouped by host: this host read in one pass, each other host asked once. */
  async function lookAll(targets: readonly InspectTarget[]): Promise<Map<InspectTarget, ProcessLook>> {
    const byHost = new Map<string, InspectTarget[]>();
    for (const target of targets) {
      const group = byHost.get(target.host);
      if (group) group.push(target);
      else byHost.set(target.host, [target]);
    }
    const looks = new Map<InspectTarget, ProcessLook>();
    await Promise.all(
      [...byHost].map(async ([host, group]) => {
        const requests: InspectRequest[] = group.map((t) => ({ pid: t.pid as number, started_at: t.started_at }));
        const answers = host === hostname ? await deps.sampler.look(requests) : await askHost(host, requests);
        group.forEach((target, i) => looks.set(target, answers[i] as ProcessLook));
      }),
    );
    return looks;
  }

  async function inspectRuns(runIds: readonly number[]): Promise<RunInspection[]> {
    const targets = await targetsOf(runIds);
    const withProcess = targets.filter((t): t is InspectTarget => t !== null && !t.ended && t.pid !== null);
    const looks = await lookAll(withProcess);
    return targets.map((target, i): RunInspection => {
      const runId = runIds[i] as number;
      if (target === null) return { run_id: runId, alive: false, reason: 'run not found' };
      const origin = target.origin;
      if (target.ended) return { run_id: runId, alive: false, reason: 'run already ended', worker_origin: origin };
      if (target.pid === null) return { run_id: runId, alive: false, reason: 'no worker_pid recorded', worker_origin: origin };
      const look = looks.get(target) as ProcessLook;
      if (!look.alive) return { run_id: runId, ...look, worker_origin: origin };
      return { run_id: runId, ...shownFigures(look, origin), host: target.host, worker_origin: origin };
    });
  }

  async function inspectRun(runId: number): Promise<RunInspection> {
    const [answer] = await inspectRuns([runId]);
    if (!answer || (!answer.alive && answer.reason === 'run not found')) throw new NotFoundError(`run ${runId} not found`);
    return answer;
  }

  async function stopRun(runId: number, opts: StopRunOptions): Promise<StopRunResult> {
    await liveRun(runId);
    // 1) Fence first: from here the worker's token is refused and the task stays running, so nobody claims it.
    const fenced = await store.requestStop(runId, { actor: opts.actor, reason: opts.reason });
    // 2) Only then the process, if the server started it, checked against its recorded start time.
    const ask: SignalAsk = { run_id: runId, actor: opts.actor ?? 'operator', reason: opts.reason ?? `run ${opts.outcome}` };
    const result = await stopProcess(fenced, opts.grace_seconds ?? defaultGrace, ask);
    const signalled = stopRefusal(fenced) === null;
    // 3) Close the run and move the task, now that no process of it is left running.
    try {
      await store.endRun(runId, {
        outcome: opts.outcome,
        then: opts.then ?? 'requeue',
        actor: opts.actor,
        reason: opts.reason,
        ...(signalled && !result.terminated ? { error: `process not stopped: ${result.reason ?? 'unknown'}` } : {}),
      });
    } catch (err) {
      // Whoever watches the process (the dispatcher) may have closed the run while it died: the stop happened.
      if (!(err instanceof ConflictError)) throw err;
      const after = await store.getRun(runId);
      if (!after || after.ended_at === null) throw err;
    }
    // 4) The worker's per-run token ends with the run. Not before: until now its late calls got the 409
    // that tells it it lost the task.
    await store.revokeRunTokens(runId);
    return {
      ok: true,
      run_id: runId,
      task_id: fenced.task_id,
      terminated: result.terminated,
      signal: result.signal,
      stopped_by: result.signal === null ? 'fence' : 'signal',
    };
  }

  async function reclaimTask(taskId: string, by: { actor?: string; reason?: string }): Promise<StopRunResult> {
    const task = await store.getTask(taskId);
    if (!task) throw new NotFoundError(`task ${taskId} not found`);
    const runId = task.current_run_id;
    const run = runId === null ? null : await store.getRun(runId);
    if (runId === null || !run || run.ended_at !== null) throw new ConflictError(`task ${taskId} is not held by any run`);
    return stopRun(runId, { outcome: 'reclaimed', then: 'requeue', ...by });
  }

  async function moveTask(taskId: string, input: TaskPatch, actor?: string): Promise<Task> {
    // Checked before anything is stopped, so a bad patch never kills a worker and then fails.
    const patch = validateTaskPatch(input);
    const task = await store.getTask(taskId);
    if (!task) throw new NotFoundError(`task ${taskId} not found`);
    const movesStatus = patch.status !== undefined && patch.status !== task.status;
    const reassigns = patch.assignee !== undefined && patch.assignee !== task.assignee;
    const runId = task.current_run_id;
    if (task.status !== 'running' || runId === null || !(movesStatus || reassigns)) {
      return store.updateTask(taskId, patch, actor);
    }
    const then = patch.status === undefined ? 'requeue' : DESTINATION_OF_STATUS[patch.status];
    await stopRun(runId, { outcome: 'terminated', then, actor, reason: stopReason(patch) });
    const rest: TaskPatch = { ...patch };
    if (rest.status !== undefined && SETTLED_BY_STOP.has(rest.status)) delete rest.status;
    if (Object.keys(rest).length === 0) {
      const moved = await store.getTask(taskId);
      if (!moved) throw new NotFoundError(`task ${taskId} not found`);
      return moved;
    }
    return store.updateTask(taskId, rest, actor);
  }

  return { inspectRun, inspectRuns, stopRun, reclaimTask, moveTask };
}

/** A declared pid may be any process of the host: its command line (arguments, secrets) is not ours to show. */
function shownFigures(look: Extract<ProcessLook, { alive: true }>, origin: WorkerOrigin | null): ProcessLook {
  if (origin === 'spawned') return look;
  const { cmdline: _hidden, ...figures } = look;
  return figures;
}

function stopReason(patch: TaskPatch): string {
  if (patch.status !== undefined) return `task moved to ${patch.status}`;
  return `task reassigned to ${patch.assignee ?? 'nobody'}`;
}
