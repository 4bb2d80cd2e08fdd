import type { EventRow } from './types.js';

/** What an event row makes stale in the page, so only that part is read again. */
export interface Staleness {
  /** The live-runs listing (claims, ends, pids, progress, stops). */
  active: boolean;
  /** The board the event belongs to. */
  board: string | null;
  /** The task whose drawer shows it. */
  task: string | null;
  /** The per-minute overview (a run ended or started). */
  stats: boolean;
}

const RUN_KINDS = new Set(['claimed', 'progress', 'completed', 'run_ended', 'reclaimed', 'timed_out', 'stop_requested', 'process_recorded']);
const RUN_COUNT_KINDS = new Set(['claimed', 'completed', 'run_ended', 'reclaimed', 'timed_out']);
/** A progress beat changes no card: only the executor panel and an open drawer show it. */
const BOARD_QUIET_KINDS = new Set(['progress', 'process_recorded', 'comment_added']);

export function stalenessOf(event: EventRow): Staleness {
  return {
    active: RUN_KINDS.has(event.kind),
    board: BOARD_QUIET_KINDS.has(event.kind) ? null : event.board,
    task: event.task_id,
    stats: RUN_COUNT_KINDS.has(event.kind),
  };
}

/** Several events become one set of reads: a burst of a thousand events costs one refetch per view. */
export function mergeStaleness(events: readonly EventRow[]): { active: boolean; boards: Set<string>; tasks: Set<string>; stats: boolean } {
  const merged = { active: false, boards: new Set<string>(), tasks: new Set<string>(), stats: false };
  for (const event of events) {
    const s = stalenessOf(event);
    merged.active ||= s.active;
    merged.stats ||= s.stats;
    if (s.board !== null) merged.boards.add(s.board);
    if (s.task !== null) merged.tasks.add(s.task);
  }
  return merged;
}

/** One line of the activity feed. */
export function describeEvent(event: EventRow): string {
  const p = event.payload as Record<string, unknown>;
  const task = event.task_id ?? '';
  const text = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : null);
  switch (event.kind) {
    case 'task_created':
      return `${task} created: ${text('title') ?? ''}`;
    case 'task_status':
      return `${task} moved ${text('from') ?? '?'} → ${text('to') ?? '?'}${text('actor') ? ` by ${text('actor')}` : ''}`;
    case 'task_updated':
      return `${task} edited${text('actor') ? ` by ${text('actor')}` : ''}`;
    case 'claimed':
      return `${task} claimed by ${text('worker') ?? '?'} on ${text('host') ?? '?'} (run ${event.run_id ?? '?'})`;
    case 'progress':
      return `run ${event.run_id ?? '?'} progress${text('note') ? `: ${text('note')}` : ''}`;
    case 'completed':
    case 'run_ended':
    case 'reclaimed':
    case 'timed_out': {
      const outcome = text('outcome') ?? event.kind;
      const to = text('task_status');
      return `run ${event.run_id ?? '?'} ${outcome}${to ? `, ${task} → ${to}` : ''}${text('reason') ? ` (${text('reason')})` : ''}`;
    }
    case 'stop_requested':
      return `run ${event.run_id ?? '?'} stop requested${text('actor') ? ` by ${text('actor')}` : ''}`;
    case 'process_recorded':
      return `run ${event.run_id ?? '?'} started pid ${String(p.pid ?? '?')}`;
    case 'comment_added':
      return `${task} comment by ${text('author') ?? '?'}`;
    default:
      return `${event.kind} ${task}`;
  }
}

export interface ActivityEntry {
  id: number;
  at: number;
  kind: string;
  text: string;
  /** Arrived while the page was away (reconnecting or hidden) and was caught up on resume. */
  missed: boolean;
}

export const ACTIVITY_LIMIT = 200;

/** Newest first, bounded; an id seen before (a resume that overlapped) is not listed twice. */
export function appendActivity(list: readonly ActivityEntry[], events: readonly EventRow[], missed: boolean): ActivityEntry[] {
  const newest = list[0]?.id ?? 0;
  const added: ActivityEntry[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i] as EventRow;
    if (event.id <= newest) continue;
    added.push({ id: event.id, at: event.created_at, kind: event.kind, text: describeEvent(event), missed });
  }
  added.sort((a, b) => b.id - a.id);
  return [...added, ...list].slice(0, ACTIVITY_LIMIT);
}
