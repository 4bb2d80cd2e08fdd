import { InvalidInputError } from './errors.js';
import { isTaskId } from './ids.js';
import { validateBoard } from './validate.js';

export interface EventFilter {
  board?: string;
  task_id?: string;
  run_id?: number;
  after_id?: number;
  /** Only ids below this (paging a task's history backwards). */
  before_id?: number;
  /** The newest `limit` rows, newest first, instead of the oldest in id order. */
  newest_first?: boolean;
  limit?: number;
}

/** An event filter both stores turn into the same WHERE clause: every field checked, the limit filled in. */
export interface CheckedEventFilter extends EventFilter {
  limit: number;
}

export const DEFAULT_EVENT_LIMIT = 1000;
export const MAX_EVENT_LIMIT = 10_000;

export function validateEventFilter(filter: EventFilter = {}): CheckedEventFilter {
  if (filter === null || typeof filter !== 'object') throw new InvalidInputError('event filter must be an object');
  const out: CheckedEventFilter = { limit: filter.limit ?? DEFAULT_EVENT_LIMIT };
  if (filter.board !== undefined) out.board = validateBoard(filter.board);
  if (filter.task_id !== undefined) {
    if (!isTaskId(filter.task_id)) throw new InvalidInputError(`task_id ${JSON.stringify(filter.task_id)} is not a task id`);
    out.task_id = filter.task_id;
  }
  if (filter.run_id !== undefined) {
    if (!Number.isSafeInteger(filter.run_id) || filter.run_id < 1) throw new InvalidInputError('run_id must be a positive integer');
    out.run_id = filter.run_id;
  }
  if (filter.after_id !== undefined) {
    if (!Number.isSafeInteger(filter.after_id) || filter.after_id < 0) throw new InvalidInputError('after_id must be an integer >= 0');
    out.after_id = filter.after_id;
  }
  if (filter.before_id !== undefined) {
    if (!Number.isSafeInteger(filter.before_id) || filter.before_id < 1) throw new InvalidInputError('before_id must be an integer >= 1');
    out.before_id = filter.before_id;
  }
  if (filter.newest_first !== undefined) out.newest_first = filter.newest_first === true;
  if (!Number.isSafeInteger(out.limit) || out.limit < 1 || out.limit > MAX_EVENT_LIMIT) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${MAX_EVENT_LIMIT}`);
  }
  return out;
}

/** One condition of an event listing's WHERE clause; each store writes it with its own placeholder. */
export interface EventCondition {
  column: 'board' | 'task_id' | 'run_id' | 'id';
  op: '=' | '>' | '<';
  value: string | number;
}

/** The filter as conditions, in one order for both stores; with `newest_first` the rows are read from the highest id down. */
export function eventConditions(filter: CheckedEventFilter): EventCondition[] {
  const conditions: EventCondition[] = [];
  if (filter.board !== undefined) conditions.push({ column: 'board', op: '=', value: filter.board });
  if (filter.task_id !== undefined) conditions.push({ column: 'task_id', op: '=', value: filter.task_id });
  if (filter.run_id !== undefined) conditions.push({ column: 'run_id', op: '=', value: filter.run_id });
  if (filter.after_id !== undefined) conditions.push({ column: 'id', op: '>', value: filter.after_id });
  if (filter.before_id !== undefined) conditions.push({ column: 'id', op: '<', value: filter.before_id });
  return conditions;
}
