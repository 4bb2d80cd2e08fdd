/**
 * Typed errors of the domain. Each has a stable `code` the HTTP edge maps to a status
 * (invalid → 400, not_found → 404, conflict and lease_lost → 409), so no user mistake becomes a 500.
 */
export type ErrorCode = 'invalid' | 'not_found' | 'conflict' | 'lease_lost';

export abstract class PulseboardError extends Error {
  abstract readonly code: ErrorCode;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidInputError extends PulseboardError {
  readonly code = 'invalid' as const;
}

export class NotFoundError extends PulseboardError {
  readonly code = 'not_found' as const;
}

/** The request is well-formed but the current state forbids it (impossible transition, nothing to reclaim). */
export class ConflictError extends PulseboardError {
  readonly code = 'conflict' as const;
}

/** A heartbeat or completion whose run was reclaimed, terminated, timed out or ended: the worker must stop. */
export class LeaseLostError extends PulseboardError {
  readonly code = 'lease_lost' as const;
  constructor(
    readonly runId: number,
    readonly reason: string,
  ) {
    super(`run ${runId} lease lost: ${reason}`);
  }
}

export function isPulseboardError(err: unknown): err is PulseboardError {
  return err instanceof PulseboardError;
}
