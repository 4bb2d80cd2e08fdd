import type { EventRow } from '../../../core/types.js';

export type CommitListener = (events: EventRow[]) => unknown;

/**
 * Who hears of each commit, for both stores alike: a listener that throws or returns a promise that
 * rejects is reported and never turns a committed change into a failure, nor keeps the others from hearing.
 */
export class CommitListeners {
  private readonly listeners = new Set<CommitListener>();

  add(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  notify(events: EventRow[]): void {
    if (events.length === 0) return;
    for (const listener of this.listeners) {
      try {
        const returned: unknown = listener(events);
        if (returned instanceof Promise) returned.catch(reportListenerFailure);
      } catch (err) {
        reportListenerFailure(err);
      }
    }
  }
}

function reportListenerFailure(err: unknown): void {
  console.error('pulseboard: onCommit listener failed:', err);
}
