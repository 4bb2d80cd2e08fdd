import type { Run, WorkerOrigin } from './types.js';

/**
 * What a signaller may do to a process. Two decisions, written once each: which runs' processes may
 * be signalled at all (only those the server's own code started), and, right before each kill(2),
 * which pids and groups are never touched whoever asks.
 */

/** A process as read from /proc right before it would be signalled. */
export interface SignalCandidate {
  pid: number;
  /** Its process group id. */
  pgid: number;
  /** Its real uid. */
  uid: number;
}

/** The signalling process itself, read fresh before each signal (a parent can die and the chain change). */
export interface SignallerSelf {
  pid: number;
  pgid: number;
  /** Its parent, grandparent, ... up the ppid chain. */
  ancestors: readonly number[];
  /** Process groups of itself and its ancestors: signalling one of them would hit the server or its parents. */
  protectedGroups: readonly number[];
  /** The uid the server spawns its workers as: its own, since it never switches users. */
  uid: number;
}

export type PolicyRefusal =
  | 'refused: pid 1 or lower'
  | 'refused: own process'
  | 'refused: ancestor of the server'
  | 'refused: leads the server process group'
  | 'refused: another user';

export type SignalDecision = { allowed: true; target: 'process' | 'group' } | { allowed: false; reason: PolicyRefusal };

export function decideSignal(candidate: SignalCandidate, self: SignallerSelf): SignalDecision {
  const { pid, pgid, uid } = candidate;
  // pid 1 is init (a container's whole namespace with it); 0 and negatives name groups or "every process".
  if (!Number.isSafeInteger(pid) || pid <= 1) return refuse('refused: pid 1 or lower');
  if (pid === self.pid) return refuse('refused: own process');
  if (self.ancestors.includes(pid)) return refuse('refused: ancestor of the server');
  if (pid === self.pgid) return refuse('refused: leads the server process group');
  if (uid !== self.uid) return refuse('refused: another user');
  // A group is signalled only through a leader other than init, never one that holds the server or a
  // parent of it: kill(-1) and kill(0) are never sent.
  const leadsOwnGroup = pgid === pid && pgid > 1 && !self.protectedGroups.includes(pgid);
  return { allowed: true, target: leadsOwnGroup ? 'group' : 'process' };
}

/** Why a run's process is not signalled when its run is stopped; null when it may be. */
export type StopRefusal = 'no worker_pid recorded' | 'declared pid: not started by this server' | 'no start time recorded';

/**
 * Only a process the server's own code started for the run (a dispatcher's child, here or on another
 * host) is ever signalled. A pid a claimant named is its word only: its start time guards against pid
 * reuse but says nothing about whether the claimant is that process. Such a run is stopped by fencing.
 */
export function stopRefusal(run: Pick<Run, 'worker_pid' | 'worker_started_at' | 'worker_origin'>): StopRefusal | null {
  if (run.worker_pid === null) return 'no worker_pid recorded';
  if (!isSpawned(run.worker_origin)) return 'declared pid: not started by this server';
  if (run.worker_started_at === null) return 'no start time recorded';
  return null;
}

function isSpawned(origin: WorkerOrigin | null): boolean {
  return origin === 'spawned';
}

function refuse(reason: PolicyRefusal): SignalDecision {
  return { allowed: false, reason };
}
