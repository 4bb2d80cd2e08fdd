import { InvalidInputError, NotFoundError } from './errors.js';
import type { TaskStatus } from './types.js';

export interface ParentState {
  id: string;
  status: TaskStatus;
}

/** Ids of the parents that are not done, in the order given. */
export function parentsNotDone(parents: readonly ParentState[]): string[] {
  return parents.filter((p) => p.status !== 'done').map((p) => p.id);
}

/** Where a new task starts: triage when asked, else ready once every parent is done, else todo. */
export function initialStatus(parents: readonly ParentState[], triage: boolean): TaskStatus {
  if (triage) return 'triage';
  return parentsNotDone(parents).length === 0 ? 'ready' : 'todo';
}

/** `ready` and `todo` are the one pair of statuses the parents decide; every other status is a person's or a run's. */
export function statusForParents(current: TaskStatus, allParentsDone: boolean): TaskStatus {
  if (current === 'todo' && allParentsDone) return 'ready';
  if (current === 'ready' && !allParentsDone) return 'todo';
  return current;
}

/**
 * Checks a parent list for a task (taskId null for a task not created yet): no self-parent, every
 * parent exists, and no cycle. `ancestors` maps each task id reachable upward from the new parents
 * to its own parents; ids missing from `known` are unknown tasks.
 */
export function checkParents(
  taskId: string | null,
  parents: readonly string[],
  known: ReadonlySet<string>,
  ancestors: ReadonlyMap<string, readonly string[]>,
): void {
  for (const parent of parents) {
    if (parent === taskId) throw new InvalidInputError(`task ${parent} cannot be its own parent`);
    if (!known.has(parent)) throw new NotFoundError(`parent task ${parent} not found`);
  }
  if (taskId === null) return;
  const cycle = findCycle(taskId, parents, ancestors);
  if (cycle) throw new InvalidInputError(`parents would form a cycle: ${cycle.join(' -> ')}`);
}

/** The shortest path taskId -> parent -> ... -> taskId if giving taskId these parents closes a loop, else null. */
export function findCycle(
  taskId: string,
  parents: readonly string[],
  ancestors: ReadonlyMap<string, readonly string[]>,
): string[] | null {
  // Breadth-first from the new parents; iterative so a long chain cannot overflow the stack.
  const cameFrom = new Map<string, string>();
  const queue: string[] = [];
  for (const parent of parents) {
    if (!cameFrom.has(parent)) {
      cameFrom.set(parent, taskId);
      queue.push(parent);
    }
  }
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head] as string;
    if (id === taskId) return pathBack(taskId, cameFrom);
    for (const next of ancestors.get(id) ?? []) {
      if (!cameFrom.has(next)) {
        cameFrom.set(next, id);
        queue.push(next);
      }
    }
  }
  return null;
}

function pathBack(taskId: string, cameFrom: ReadonlyMap<string, string>): string[] {
  const path = [taskId];
  let current = cameFrom.get(taskId) as string;
  while (current !== taskId) {
    path.push(current);
    current = cameFrom.get(current) as string;
  }
  path.push(taskId);
  return path.reverse();
}
