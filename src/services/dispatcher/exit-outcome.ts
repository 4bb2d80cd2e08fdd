import { constants } from 'node:os';
import type { EndRunInput } from '../../ports/store.js';

/** How a worker process ended; `unknown` when it was not our child (adopted) and left no status. */
export type ExitStatus =
  | { kind: 'exited'; code: number }
  | { kind: 'signalled'; signal: NodeJS.Signals }
  | { kind: 'unknown' };

export const EXITED_WHILE_ADOPTED = 'worker exited while adopted (exit status unknown)';
export const VANISHED_WHILE_DOWN = 'worker vanished while the dispatcher was down';

export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): ExitStatus {
  if (signal !== null) return { kind: 'signalled', signal };
  if (code !== null) return { kind: 'exited', code };
  return { kind: 'unknown' };
}

/** Shell convention: a process killed by signal n reports 128 + n. */
export function exitCodeOf(status: ExitStatus): number | null {
  switch (status.kind) {
    case 'exited':
      return status.code;
    case 'signalled':
      return 128 + (constants.signals[status.signal] ?? 0);
    case 'unknown':
      return null;
  }
}

/**
 * How the dispatcher closes a run whose worker exited without reporting: the exit code is the report,
 * as for any command a shell runs (0 completed, else failed and retried while attempts remain).
 */
export function endRunForExit(status: ExitStatus): EndRunInput {
  const exit_code = exitCodeOf(status);
  switch (status.kind) {
    case 'exited':
      return status.code === 0
        ? { outcome: 'completed', exit_code, summary: 'worker exited 0', actor: 'dispatcher' }
        : { outcome: 'failed', exit_code, error: `worker exited with code ${status.code}`, actor: 'dispatcher' };
    case 'signalled':
      return { outcome: 'crashed', exit_code, error: `killed by ${status.signal}`, actor: 'dispatcher' };
    case 'unknown':
      return { outcome: 'crashed', exit_code, error: EXITED_WHILE_ADOPTED, actor: 'dispatcher' };
  }
}
