/** A non-2xx answer of the API; `detail` is the server's own explanation. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path} → ${status}: ${detail}`);
  }
}

/** The server could not be reached at all (refused, reset, DNS, timeout). */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach Pulseboard at ${url}: ${describeCause(cause)}`, { cause });
  }
}

function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = (cause as { cause?: unknown }).cause;
  // fetch hides the socket error ("ECONNREFUSED") one level down behind "fetch failed".
  if (inner instanceof Error && inner.message) return inner.message;
  return cause.message;
}
