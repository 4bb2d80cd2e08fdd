import { InvalidInputError } from './errors.js';
import type { SignalRecord } from './events.js';
import type { Json, StopDestination, WorkerOutcome } from './types.js';
import { INPUT_LIMITS } from './input-limits.js';
import { validatePid, validateSizedJson, validateText } from './validate.js';

export interface HeartbeatInput {
  /** Any value marks progress (last_progress_at = now) and is kept in run.metadata.progress. */
  progress?: Json;
  note?: string;
}

export interface CompleteInput {
  outcome: WorkerOutcome;
  summary?: string;
  result?: Json;
  error?: string;
}

export interface EndRunInput {
  outcome: 'crashed' | 'timed_out' | 'reclaimed' | 'terminated' | 'spawn_failed' | 'failed' | 'completed';
  /** Where the task goes; without it the retry rules decide (ready, or blocked with gave_up when attempts are exhausted). */
  then?: StopDestination;
  exit_code?: number | null;
  error?: string;
  summary?: string;
  actor?: string;
  reason?: string;
}

const WORKER_OUTCOMES: readonly WorkerOutcome[] = ['completed', 'failed', 'blocked'];
const END_OUTCOMES: readonly EndRunInput['outcome'][] = ['crashed', 'timed_out', 'reclaimed', 'terminated', 'spawn_failed', 'failed', 'completed'];
const DESTINATIONS: readonly StopDestination[] = ['requeue', 'block', 'archive', 'done'];

export function validateRunId(runId: unknown): number {
  if (typeof runId !== 'number' || !Number.isSafeInteger(runId) || runId <= 0) {
    throw new InvalidInputError(`run id must be a positive integer, got ${JSON.stringify(runId)}`);
  }
  return runId;
}

export function validateClaimToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0) throw new InvalidInputError('claim_token must be a non-empty string');
  return token;
}

export function validateHeartbeatInput(input: HeartbeatInput | undefined): HeartbeatInput {
  if (input === undefined) return {};
  if (input === null || typeof input !== 'object') throw new InvalidInputError('heartbeat input must be an object');
  const out: HeartbeatInput = {};
  if (input.progress !== undefined) out.progress = validateSizedJson(input.progress, 'progress', INPUT_LIMITS.progress_bytes);
  if (input.note !== undefined) out.note = validateText(input.note, 'note', INPUT_LIMITS.note_chars);
  return out;
}

export function validateCompleteInput(input: CompleteInput): CompleteInput {
  if (input === null || typeof input !== 'object') throw new InvalidInputError('completion must be an object');
  if (!WORKER_OUTCOMES.includes(input.outcome)) {
    throw new InvalidInputError(`outcome must be one of ${WORKER_OUTCOMES.join(', ')}, got ${JSON.stringify(input.outcome)}`);
  }
  const out: CompleteInput = { outcome: input.outcome };
  if (input.summary !== undefined) out.summary = validateText(input.summary, 'summary', INPUT_LIMITS.summary_chars);
  if (input.error !== undefined) out.error = validateText(input.error, 'error', INPUT_LIMITS.error_chars);
  if (input.result !== undefined) out.result = validateSizedJson(input.result, 'result', INPUT_LIMITS.result_bytes);
  return out;
}

export function validateEndRunInput(input: EndRunInput): EndRunInput {
  if (input === null || typeof input !== 'object') throw new InvalidInputError('end-run input must be an object');
  if (!END_OUTCOMES.includes(input.outcome)) {
    throw new InvalidInputError(`outcome must be one of ${END_OUTCOMES.join(', ')}, got ${JSON.stringify(input.outcome)}`);
  }
  if (input.then !== undefined && !DESTINATIONS.includes(input.then)) {
    throw new InvalidInputError(`then must be one of ${DESTINATIONS.join(', ')}, got ${JSON.stringify(input.then)}`);
  }
  if (input.exit_code !== undefined && input.exit_code !== null && !Number.isSafeInteger(input.exit_code)) {
    throw new InvalidInputError('exit_code must be an integer or null');
  }
  if (input.error !== undefined) validateText(input.error, 'error', INPUT_LIMITS.error_chars);
  if (input.summary !== undefined) validateText(input.summary, 'summary', INPUT_LIMITS.summary_chars);
  for (const field of ['actor', 'reason'] as const) {
    if (input[field] !== undefined) validateText(input[field], field, INPUT_LIMITS.reason_chars);
  }
  return input;
}

export interface ProcessRecord {
  pid: number;
  worker_started_at: number | null;
  host?: string;
}

/** The worker process the dispatcher records on a live run. */
export function validateProcessRecord(proc: ProcessRecord): ProcessRecord {
  if (proc === null || typeof proc !== 'object') throw new InvalidInputError('process must be an object');
  validatePid(proc.pid);
  if (proc.pid === undefined || proc.pid === null) throw new InvalidInputError('pid is required');
  const startedAt = proc.worker_started_at ?? null;
  if (startedAt !== null && (typeof startedAt !== 'number' || !Number.isFinite(startedAt))) {
    throw new InvalidInputError('worker_started_at must be a number or null');
  }
  if (proc.host !== undefined && (typeof proc.host !== 'string' || proc.host.length === 0)) {
    throw new InvalidInputError('host must be a non-empty string');
  }
  return { pid: proc.pid, worker_started_at: startedAt, ...(proc.host !== undefined ? { host: proc.host } : {}) };
}

/** Actor, reason and refusal of a signal record: short texts, an operator's reason included. */
const MAX_SIGNAL_TEXT = 1000;

/** A signal record may come from another host's agent over the bus: checked like any other input. */
export function validateSignalRecord(record: SignalRecord): SignalRecord {
  if (record === null || typeof record !== 'object') throw new InvalidInputError('signal record must be an object');
  validateRunId(record.run_id);
  if (typeof record.pid !== 'number' || !Number.isSafeInteger(record.pid)) throw new InvalidInputError('pid must be an integer');
  if (typeof record.signal !== 'string' || !/^SIG[A-Z0-9]{1,12}$/.test(record.signal)) {
    throw new InvalidInputError('signal must be a signal name such as SIGTERM');
  }
  if (typeof record.group !== 'boolean' || typeof record.sent !== 'boolean') throw new InvalidInputError('group and sent must be booleans');
  validateText(record.actor, 'actor', MAX_SIGNAL_TEXT);
  validateText(record.reason, 'reason', MAX_SIGNAL_TEXT);
  if (record.refusal !== null) validateText(record.refusal, 'refusal', MAX_SIGNAL_TEXT);
  if (record.sent !== (record.refusal === null)) throw new InvalidInputError('a refusal goes with sent: false, and only with it');
  return record;
}
