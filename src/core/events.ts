import type { SettleInput, Settlement } from './settle.js';
import type { TaskDraft } from './task-input.js';
import type { TaskUpdatePlan } from './task-update.js';
import type { Json, Outcome, Run, Task, TaskStatus } from './types.js';

/** The kinds of event rows; one per change to a task or run. */
export type EventKind =
  | 'task_created'
  | 'task_updated'
  | 'task_status'
  | 'claimed'
  | 'progress'
  | 'completed'
  | 'run_ended'
  | 'reclaimed'
  | 'timed_out'
  | 'stop_requested'
  | 'comment_added'
  | 'process_recorded'
  | 'signal_sent'
  | 'signal_refused';

/** The event kind of a worker's own completion: `completed` for success, `run_ended` for any other outcome. */
export function completionEventKind(outcome: Outcome): EventKind {
  return outcome === 'completed' ? 'completed' : 'run_ended';
}

/**
 * The payload of a claim's `claimed` event, but for `attempt` (the task's attempts counting this
 * claim), which each store adds from the task row it updated.
 */
export function claimedPayload(
  run: Pick<Run, 'worker' | 'host' | 'profile' | 'worker_pid' | 'claim_expires'>,
): { worker: string; host: string; profile: string | null; pid: number | null; claim_expires: number } {
  return { worker: run.worker, host: run.host, profile: run.profile, pid: run.worker_pid, claim_expires: run.claim_expires };
}

/** The event kind of a run closed by the server rather than by its worker's own completion. */
export function endRunEventKind(requested: Outcome): EventKind {
  if (requested === 'reclaimed' || requested === 'timed_out') return requested;
  return 'run_ended';
}

/** An event row before the store gives it an id and a time. */
export interface EventDraft {
  board: string;
  task_id?: string | null;
  run_id?: number | null;
  kind: EventKind;
  payload?: Record<string, Json | undefined>;
}

/** What a person or the server said about a run's end, beside the core's settlement. */
export interface RunEndDetails {
  exit_code?: number | null;
  error?: string;
  summary?: string;
  result?: Json;
  actor?: string;
  reason?: string;
}

/** The one event of a run's end: the run's outcome and where its task went, in one row. */
export function runEndedEvent(
  run: Run,
  task: Task,
  settle: SettleInput,
  settlement: Settlement,
  details: RunEndDetails,
  kind: EventKind,
): EventDraft {
  return {
    board: run.board,
    task_id: run.task_id,
    run_id: run.id,
    kind,
    payload: {
      outcome: settlement.outcome,
      cause: settlement.outcome === 'gave_up' ? settle.outcome : undefined,
      task_from: task.status,
      task_status: settlement.task_status,
      exit_code: details.exit_code ?? undefined,
      summary: details.summary,
      error: details.error,
      actor: details.actor,
      reason: details.reason,
    },
  };
}

/** The events of a PATCH: the changed fields, then the status move when there is one. */
export function taskUpdateEvents(task: Task, plan: TaskUpdatePlan, actor: string | undefined): EventDraft[] {
  const events: EventDraft[] = [];
  if (Object.keys(plan.changes).length > 0) {
    events.push({ board: task.board, task_id: task.id, kind: 'task_updated', payload: { changes: plan.changes as Json, actor } });
  }
  if (plan.status) {
    const { from, to, resetAttempts } = plan.status;
    events.push({
      board: task.board,
      task_id: task.id,
      kind: 'task_status',
      payload: { from, to, actor, attempts_reset: resetAttempts },
    });
  }
  return events;
}

export function taskCreatedPayload(draft: TaskDraft, status: TaskStatus, actor: string | undefined): Record<string, Json | undefined> {
  return { title: draft.title, status, assignee: draft.assignee, priority: draft.priority, parents: draft.parents, actor };
}

/** Who asks for a signal, and why: every signal sent or refused is written down with it. */
export interface SignalAsk {
  run_id: number;
  /** `dispatcher`, `reaper`, or the operator's token name. */
  actor: string;
  reason: string;
}

/** One signal sent or refused for a run's process. */
export interface SignalRecord extends SignalAsk {
  pid: number;
  signal: string;
  /** Sent to (or refused for) the whole process group the pid leads. */
  group: boolean;
  sent: boolean;
  /** Why nothing was sent; null when it was. */
  refusal: string | null;
}

/** The event of a signal: `signal_sent` or `signal_refused` on the run it was asked for. */
export function signalEvent(run: Pick<Run, 'id' | 'board' | 'task_id'>, record: SignalRecord): EventDraft {
  return {
    board: run.board,
    task_id: run.task_id,
    run_id: run.id,
    kind: record.sent ? 'signal_sent' : 'signal_refused',
    payload: {
      pid: record.pid,
      signal: record.signal,
      group: record.group,
      actor: record.actor,
      reason: record.reason,
      ...(record.sent ? {} : { refusal: record.refusal }),
    },
  };
}
