/** The live indicator: what the event stream is doing, as a small state machine the page reduces into. */

export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'paused';

export interface Link {
  status: LinkStatus;
  /** Id of the last event row received: where a reconnect resumes. */
  lastEventId: number | null;
  /** Client clock (ms) of the last thing heard from the server: an event, or an answer to a request. */
  lastHeardAt: number | null;
  /** When the link was lost (ms), while it is. */
  lostAt: number | null;
  /** Events caught up after the last resume, shown as "N while away". */
  caughtUp: number;
  /** Failed connection attempts in a row, for the back-off. */
  failures: number;
}

export type LinkAction =
  | { type: 'open'; at: number }
  | { type: 'events'; lastId: number; count: number; at: number }
  | { type: 'heard'; at: number }
  | { type: 'lost'; at: number }
  | { type: 'pause'; at: number }
  | { type: 'resume' };

export const INITIAL_LINK: Link = { status: 'connecting', lastEventId: null, lastHeardAt: null, lostAt: null, caughtUp: 0, failures: 0 };

export function reduceLink(link: Link, action: LinkAction): Link {
  switch (action.type) {
    case 'open':
      return { ...link, status: 'live', lastHeardAt: action.at, failures: 0, caughtUp: link.lostAt === null ? link.caughtUp : 0 };
    case 'events': {
      // Events that arrive within a moment of a resume are the ones missed while away.
      const resuming = link.lostAt !== null;
      return {
        ...link,
        lastEventId: Math.max(link.lastEventId ?? 0, action.lastId),
        lastHeardAt: action.at,
        caughtUp: resuming ? link.caughtUp + action.count : link.caughtUp,
      };
    }
    case 'heard':
      return { ...link, lastHeardAt: action.at };
    case 'lost':
      return { ...link, status: 'reconnecting', lostAt: link.lostAt ?? action.at, failures: link.failures + 1 };
    case 'pause':
      return { ...link, status: 'paused', lostAt: link.lostAt ?? action.at };
    case 'resume':
      return { ...link, status: 'connecting', caughtUp: 0 };
  }
}

/** After a resume has settled, the next events are live again, not "missed". */
export function settleResume(link: Link): Link {
  return link.lostAt === null ? link : { ...link, lostAt: null };
}

/** Delay before reconnect attempt n (1-based): quick at first, capped, so a restart is rejoined fast. */
export function reconnectDelayMs(failures: number): number {
  return Math.min(10_000, 250 * 2 ** Math.max(0, failures - 1));
}

/**
 * While live, the page hears from the server at least every 5 s (the listing and the registry are read
 * that often, besides events); only a longer silence is worth the words "updated N s ago".
 */
export const QUIET_AFTER_SECONDS = 10;

/** The indicator's words. */
export function linkLabel(link: Link, nowMs: number): string {
  switch (link.status) {
    case 'connecting':
      return 'connecting…';
    case 'paused':
      return 'paused (tab hidden)';
    case 'reconnecting':
      return `reconnecting… (lost ${Math.round((nowMs - (link.lostAt ?? nowMs)) / 1000)}s ago)`;
    case 'live': {
      const ago = link.lastHeardAt === null ? 0 : Math.max(0, Math.round((nowMs - link.lastHeardAt) / 1000));
      return ago < QUIET_AFTER_SECONDS ? 'live' : `live · updated ${ago}s ago`;
    }
  }
}
