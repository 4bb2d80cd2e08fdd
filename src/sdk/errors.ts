/** Thrown by a handler to say the task cannot go on without someone's help: the task moves to `blocked`, not `failed`. */
export class BlockedError extends Error {
  override readonly name = 'BlockedError';
}

/** The abort reason a handler sees when its worker stops and the grace has run out. */
export class WorkerStoppedError extends Error {
  override readonly name = 'WorkerStoppedError';
  constructor(readonly worker: string) {
    super(`worker ${worker} is stopping`);
  }
}
