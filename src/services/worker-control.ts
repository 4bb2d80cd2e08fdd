import { controlSubject } from '../core/subjects.js';
import type { Bus } from '../ports/bus.js';
import { systemClock } from '../ports/clock.js';
import type { Clock } from '../ports/clock.js';

export interface ControlCommand {
  action: 'stop';
}

/** A worker that heartbeats every 30 s has several chances to pick a stop up before it lapses. */
export const DEFAULT_PENDING_STOP_SECONDS = 300;

/**
 * Asks long-lived workers to stop. Bus workers hear it on system.<name>.control at once; a worker that
 * only speaks HTTP learns it from the answer to its next heartbeat, so the request stays pending until then.
 */
export class WorkerControl {
  private readonly pending = new Map<string, number>();
  private readonly clock: Clock;
  private readonly pendingSeconds: number;

  constructor(
    private readonly bus: Bus,
    opts: { clock?: Clock; pendingSeconds?: number } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.pendingSeconds = opts.pendingSeconds ?? DEFAULT_PENDING_STOP_SECONDS;
  }

  stop(name: string): ControlCommand {
    const command: ControlCommand = { action: 'stop' };
    this.bus.publish(controlSubject(name), command);
    this.pending.set(name, this.clock.now() + this.pendingSeconds);
    return command;
  }

  /** The stop waiting for this worker, if any; taking it clears it. */
  takePending(name: string): ControlCommand | null {
    const expiresAt = this.pending.get(name);
    if (expiresAt === undefined) return null;
    this.pending.delete(name);
    return expiresAt > this.clock.now() ? { action: 'stop' } : null;
  }
}

export function createWorkerControl(bus: Bus, opts: { clock?: Clock; pendingSeconds?: number } = {}): WorkerControl {
  return new WorkerControl(bus, opts);
}
