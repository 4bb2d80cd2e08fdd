import { InvalidInputError } from './errors.js';
import { isProfileName, isTaskId, isWorkerName } from './ids.js';
import { leaseExpiry, validateTtl } from './lease.js';
import type { Json, Run, Task } from './types.js';
import { isFiniteNumber, validateBoard, validateJson, validatePid } from './validate.js';

export interface ClaimRequest {
  worker: string;
  host: string;
  pid?: number | null;
  worker_started_at?: number | null;
  ttl_seconds: number;
  board?: string;
  /** Only tasks assigned to this profile; without it, only unassigned tasks. */
  profile?: string | null;
  task_id?: string;
  /** Used when the task sets none. */
  max_runtime_seconds?: number | null;
  metadata?: Record<string, Json>;
}

export function validateClaimRequest(req: ClaimRequest): ClaimRequest {
  if (req === null || typeof req !== 'object') throw new InvalidInputError('claim request must be an object');
  if (!isWorkerName(req.worker)) {
    throw new InvalidInputError(`worker must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$, got ${JSON.stringify(req.worker)}`);
  }
  if (typeof req.host !== 'string' || req.host.length === 0 || req.host.length > 255) {
    throw new InvalidInputError('host must be a non-empty string');
  }
  validateTtl(req.ttl_seconds);
  if (req.board !== undefined) validateBoard(req.board);
  if (req.profile !== undefined && req.profile !== null && !isProfileName(req.profile)) {
    throw new InvalidInputError(`profile must match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$, got ${JSON.stringify(req.profile)}`);
  }
  if (req.task_id !== undefined && !isTaskId(req.task_id)) {
    throw new InvalidInputError(`task_id ${JSON.stringify(req.task_id)} is not a task id`);
  }
  validatePid(req.pid);
  if (req.worker_started_at !== undefined && req.worker_started_at !== null && !isFiniteNumber(req.worker_started_at)) {
    throw new InvalidInputError('worker_started_at must be a number or null');
  }
  if (req.max_runtime_seconds !== undefined && req.max_runtime_seconds !== null) {
    if (!isFiniteNumber(req.max_runtime_seconds) || req.max_runtime_seconds <= 0) {
      throw new InvalidInputError('max_runtime_seconds must be a number > 0 or null');
    }
  }
  if (req.metadata !== undefined) {
    const metadata = validateJson(req.metadata, 'metadata');
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new InvalidInputError('metadata must be an object');
    }
  }
  return req;
}

/** The run a claim opens; the task's own runtime limit wins over the claimer's default. */
export function newRunFields(
  task: Pick<Task, 'id' | 'board' | 'max_runtime_seconds'>,
  req: ClaimRequest,
  claimToken: string,
  now: number,
): Omit<Run, 'id'> {
  const pid = req.pid ?? null;
  return {
    task_id: task.id,
    board: task.board,
    profile: req.profile ?? null,
    worker: req.worker,
    host: req.host,
    worker_pid: pid,
    worker_started_at: req.worker_started_at ?? null,
    // A claimant's word about its pid proves nothing: only the dispatcher's recordProcess makes it spawned.
    worker_origin: pid === null ? null : 'declared',
    claim_lock: `${req.host}:${pid ?? '-'}`,
    claim_token: claimToken,
    claim_expires: leaseExpiry(now, req.ttl_seconds),
    lease_ttl_seconds: req.ttl_seconds,
    // Set from this claim's own time: a new run never inherits an earlier run's liveness.
    last_heartbeat_at: now,
    last_progress_at: null,
    max_runtime_seconds: task.max_runtime_seconds ?? req.max_runtime_seconds ?? null,
    started_at: now,
    ended_at: null,
    outcome: null,
    exit_code: null,
    summary: null,
    error: null,
    metadata: (req.metadata ?? {}) as Record<string, Json>,
    stop_requested_at: null,
  };
}
