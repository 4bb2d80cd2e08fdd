import { InvalidInputError } from './errors.js';
import { DEFAULT_BOARD, isBoardSlug, isProfileName, isTaskId } from './ids.js';
import { TASK_STATUSES } from './types.js';
import type { Json, Task, TaskStatus } from './types.js';
import { INPUT_LIMITS } from './input-limits.js';
import { validateBoard, validateSizedJson, validateText } from './validate.js';

export const DEFAULT_MAX_ATTEMPTS = 3;
const MAX_TITLE_LENGTH = 500;
const MAX_BODY_LENGTH = 100_000;
const MAX_PARENTS = 100;
const MAX_ATTEMPTS_LIMIT = 1000;

export interface NewTask {
  board?: string;
  title: string;
  body?: string;
  assignee?: string | null;
  priority?: number;
  parents?: string[];
  max_runtime_seconds?: number | null;
  max_attempts?: number;
  /** Start in triage instead of todo/ready. */
  triage?: boolean;
}

export interface TaskPatch {
  title?: string;
  body?: string;
  assignee?: string | null;
  priority?: number;
  parents?: string[];
  max_runtime_seconds?: number | null;
  max_attempts?: number;
  status?: Exclude<TaskStatus, 'running'>;
  result?: Json | null;
}

export interface TaskFilter {
  board?: string;
  status?: TaskStatus;
  assignee?: string;
  limit?: number;
}

/** A NewTask with every default filled in and every field checked. */
export interface TaskDraft {
  board: string;
  title: string;
  body: string;
  assignee: string | null;
  priority: number;
  parents: string[];
  max_runtime_seconds: number | null;
  max_attempts: number;
  triage: boolean;
}

export function validateNewTask(input: NewTask): TaskDraft {
  if (input === null || typeof input !== 'object') throw new InvalidInputError('task must be an object');
  return {
    board: validateBoard(input.board ?? DEFAULT_BOARD),
    title: validateTitle(input.title),
    body: validateBody(input.body ?? ''),
    assignee: validateAssignee(input.assignee ?? null),
    priority: validatePriority(input.priority ?? 0),
    parents: validateParentIds(input.parents ?? []),
    max_runtime_seconds: validateMaxRuntime(input.max_runtime_seconds ?? null),
    max_attempts: validateMaxAttempts(input.max_attempts ?? DEFAULT_MAX_ATTEMPTS),
    triage: input.triage === true,
  };
}

/** Checks every field present in the patch; returns a copy holding only the known fields. */
export function validateTaskPatch(patch: TaskPatch): TaskPatch {
  if (patch === null || typeof patch !== 'object') throw new InvalidInputError('patch must be an object');
  const out: TaskPatch = {};
  if (patch.title !== undefined) out.title = validateTitle(patch.title);
  if (patch.body !== undefined) out.body = validateBody(patch.body);
  if (patch.assignee !== undefined) out.assignee = validateAssignee(patch.assignee);
  if (patch.priority !== undefined) out.priority = validatePriority(patch.priority);
  if (patch.parents !== undefined) out.parents = validateParentIds(patch.parents);
  if (patch.max_runtime_seconds !== undefined) out.max_runtime_seconds = validateMaxRuntime(patch.max_runtime_seconds);
  if (patch.max_attempts !== undefined) out.max_attempts = validateMaxAttempts(patch.max_attempts);
  if (patch.status !== undefined) out.status = validatePatchStatus(patch.status);
  if (patch.result !== undefined) out.result = validateSizedJson(patch.result, 'result', INPUT_LIMITS.result_bytes);
  return out;
}

function validateTitle(title: unknown): string {
  if (typeof title !== 'string' || title.trim().length === 0) throw new InvalidInputError('title must be a non-empty string');
  if (title.length > MAX_TITLE_LENGTH) throw new InvalidInputError(`title must be at most ${MAX_TITLE_LENGTH} characters`);
  return title;
}

function validateBody(body: unknown): string {
  if (typeof body !== 'string') throw new InvalidInputError('body must be a string');
  if (body.length > MAX_BODY_LENGTH) throw new InvalidInputError(`body must be at most ${MAX_BODY_LENGTH} characters`);
  return body;
}

function validateAssignee(assignee: unknown): string | null {
  if (assignee === null) return null;
  if (!isProfileName(assignee)) {
    throw new InvalidInputError(`assignee must be a profile name (^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$), got ${JSON.stringify(assignee)}`);
  }
  return assignee;
}

function validatePriority(priority: unknown): number {
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority)) throw new InvalidInputError('priority must be an integer');
  return priority;
}

function validateParentIds(parents: unknown): string[] {
  if (!Array.isArray(parents)) throw new InvalidInputError('parents must be an array of task ids');
  if (parents.length > MAX_PARENTS) throw new InvalidInputError(`a task may have at most ${MAX_PARENTS} parents`);
  const seen = new Set<string>();
  for (const parent of parents) {
    if (!isTaskId(parent)) throw new InvalidInputError(`parent ${JSON.stringify(parent)} is not a task id (t_ + 8 hex)`);
    if (seen.has(parent)) throw new InvalidInputError(`parent ${parent} is listed twice`);
    seen.add(parent);
  }
  return [...seen];
}

function validateMaxRuntime(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidInputError('max_runtime_seconds must be a number > 0 or null');
  }
  return value;
}

function validateMaxAttempts(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_ATTEMPTS_LIMIT) {
    throw new InvalidInputError(`max_attempts must be an integer from 1 to ${MAX_ATTEMPTS_LIMIT}`);
  }
  return value;
}

function validatePatchStatus(status: unknown): Exclude<TaskStatus, 'running'> {
  if (status === 'running') {
    throw new InvalidInputError('status "running" cannot be set: only a claim makes a task running');
  }
  if (typeof status !== 'string' || !(TASK_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidInputError(`status must be one of ${TASK_STATUSES.filter((s) => s !== 'running').join(', ')}`);
  }
  return status as Exclude<TaskStatus, 'running'>;
}

export function validateTaskId(id: unknown): string {
  if (!isTaskId(id)) throw new InvalidInputError(`task id ${JSON.stringify(id)} is malformed (t_ + 8 hex)`);
  return id;
}

/** Checks a task listing's filter; the store turns what it holds into its own WHERE clause. */
export function validateTaskFilter(filter: TaskFilter): TaskFilter {
  if (filter.board !== undefined && !isBoardSlug(filter.board)) {
    throw new InvalidInputError(`board ${JSON.stringify(filter.board)} is not a board slug`);
  }
  if (filter.status !== undefined && !TASK_STATUSES.includes(filter.status)) {
    throw new InvalidInputError(`status must be one of ${TASK_STATUSES.join(', ')}`);
  }
  if (filter.limit !== undefined && (!Number.isSafeInteger(filter.limit) || filter.limit < 1)) {
    throw new InvalidInputError('limit must be a positive integer');
  }
  return filter;
}

export function validateComment(taskId: unknown, author: unknown, body: unknown): void {
  validateTaskId(taskId);
  if (typeof author !== 'string' || author.trim().length === 0) throw new InvalidInputError('author must be a non-empty string');
  validateText(body, 'body', INPUT_LIMITS.comment_chars);
  if ((body as string).trim().length === 0) throw new InvalidInputError('comment body must not be empty');
}

/** The task a store has just inserted from a validated draft (before any run touched it). */
export function taskFromDraft(draft: TaskDraft, id: string, status: TaskStatus, now: number): Task {
  return {
    id,
    board: draft.board,
    title: draft.title,
    body: draft.body,
    assignee: draft.assignee,
    priority: draft.priority,
    status,
    parents: [...draft.parents],
    max_runtime_seconds: draft.max_runtime_seconds,
    max_attempts: draft.max_attempts,
    attempts: 0,
    created_at: now,
    updated_at: now,
    current_run_id: null,
    result: null,
  };
}
