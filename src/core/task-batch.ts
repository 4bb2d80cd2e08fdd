import { InvalidInputError, PulseboardError } from './errors.js';

/** One request, one transaction: the bound keeps a batch's locks and its answer reasonably small. */
export const MAX_TASK_BATCH = 1000;

/** `#n`: the n-th task (0-based) of the same batch, whose id is only known once it is created. */
const BATCH_REFERENCE = /^#(0|[1-9][0-9]{0,3})$/;

export function validateTaskBatch<T>(inputs: unknown): T[] {
  if (!Array.isArray(inputs)) throw new InvalidInputError('tasks must be an array');
  if (inputs.length > MAX_TASK_BATCH) throw new InvalidInputError(`a batch holds at most ${MAX_TASK_BATCH} tasks, got ${inputs.length}`);
  return inputs as T[];
}

/** Replaces `#n` parents of item `index` by the ids of the batch's tasks created so far. */
export function resolveBatchParents<T extends { parents?: string[] }>(input: T, index: number, created: readonly string[]): T {
  if (input === null || typeof input !== 'object') throw new InvalidInputError('a task must be an object');
  if (!Array.isArray(input.parents)) return input;
  const parents = input.parents.map((parent: unknown) => {
    const match = typeof parent === 'string' ? BATCH_REFERENCE.exec(parent) : null;
    if (!match) return parent as string;
    const position = Number(match[1]);
    const id = position < index ? created[position] : undefined;
    if (id === undefined) throw new InvalidInputError(`parent ${parent as string} is not an earlier task of this batch`);
    return id;
  });
  return { ...input, parents };
}

/** Runs the work for item `index`, naming the item in the message of a typed error it throws. */
export function forBatchItem<T>(index: number, work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw withItem(index, err);
  }
}

export async function forBatchItemAsync<T>(index: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw withItem(index, err);
  }
}

function withItem(index: number, err: unknown): unknown {
  if (!(err instanceof PulseboardError) || err.message.startsWith('tasks[')) return err;
  err.message = `tasks[${index}]: ${err.message}`;
  return err;
}
