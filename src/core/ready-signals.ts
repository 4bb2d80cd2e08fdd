import type { EventRow } from './types.js';

/**
 * A hint that a task of `board` may have become claimable. `assignee` is the task's assignee when the
 * event names it (null: unassigned), undefined when the event does not say, so any profile may match.
 */
export interface ReadySignal {
  board: string;
  assignee?: string | null;
}

/** The run-ending event kinds whose payload says where the task went (`task_status`). */
const RUN_END_KINDS: ReadonlySet<string> = new Set(['completed', 'run_ended', 'reclaimed', 'timed_out']);

/**
 * The events of a commit that may have made a task ready: a task created ready, a status change to
 * ready (an edit, or children whose parents are done), a run ended with its task requeued, and an
 * assignee change (a ready task handed to another profile). One signal per such event.
 */
export function readySignals(events: readonly EventRow[]): ReadySignal[] {
  const signals: ReadySignal[] = [];
  for (const event of events) {
    const signal = readySignal(event);
    if (signal) signals.push(signal);
  }
  return signals;
}

function readySignal(event: EventRow): ReadySignal | null {
  const { kind, payload, board } = event;
  if (kind === 'task_created') {
    if (payload.status !== 'ready') return null;
    const assignee = payload.assignee;
    return { board, assignee: typeof assignee === 'string' ? assignee : null };
  }
  if (kind === 'task_status') return payload.to === 'ready' ? { board } : null;
  if (RUN_END_KINDS.has(kind)) return payload.task_status === 'ready' ? { board } : null;
  if (kind === 'task_updated') {
    const changes = payload.changes;
    if (changes === null || typeof changes !== 'object' || Array.isArray(changes) || !('assignee' in changes)) return null;
    const assignee = changes.assignee;
    return { board, assignee: typeof assignee === 'string' ? assignee : null };
  }
  return null;
}
