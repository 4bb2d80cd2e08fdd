/** The page's one way to the API: same origin, the cookie, and the header that marks a request as the page's own. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: () => void = () => undefined;
let onAnswered: () => void = () => undefined;

/** Called when the server says the session is gone (401), e.g. the token was revoked. */
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

/** Called on every answer that came back, error or not: the server was heard from. */
export function whenAnswered(handler: () => void): void {
  onAnswered = handler;
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-pulseboard-request': '1', accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  onAnswered();
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const detail = (json as { detail?: unknown } | undefined)?.detail;
    if (response.status === 401 && path !== '/api/session') onUnauthorized();
    throw new ApiError(response.status, typeof detail === 'string' ? detail : `${response.status} ${response.statusText}`);
  }
  return json as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
