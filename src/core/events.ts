import type { Outcome } from './types.js';

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
  | 'process_recorded';

/** The event kind of a run closed by the server rather than by its worker's own completion. */
export function endRunEventKind(requested: Outcome): EventKind {
  if (requested === 'reclaimed' || requested === 'timed_out') return requested;
  return 'run_ended';
}
