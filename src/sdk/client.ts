import type { ApiToken, Comment, EventRow, PublicRun, Role, Task } from '../core/types.js';
import { ApiError, ConnectionError } from './api-error.js';
import type {
  ActiveRunsView,
  BoardView,
  ClaimAnswer,
  ClaimWaitBody,
  CompleteAnswer,
  CompleteBody,
  CreatedToken,
  HealthAnswer,
  HeartbeatBody,
  InspectAnswer,
  NewTaskBody,
  RecentEventsAnswer,
  RunLogAnswer,
  RegistryView,
  StopWorkerAnswer,
  TaskDetail,
  TaskPatchBody,
  TaskQuery,
  TerminateAnswer,
  TerminateBody,
} from './api-types.js';
import { readSse } from './sse.js';
import { httpRequest } from './http-request.js';
import type { HttpAnswer } from './http-request.js';

export interface ClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:7420 */
  url: string;
  token: string;
  /** Per-request limit; the event stream has none. */
  timeoutMs?: number;
}

export interface EventStreamOptions {
  board?: string;
  /** Resume after this event id (sent as Last-Event-ID). */
  lastEventId?: number;
  signal?: AbortSignal;
  /** Nothing read for this long, not even a keep-alive, ends the stream with StreamSilentError (default 45 s). */
  silenceMs?: number;
}

export interface ClaimOptions {
  /** Ends the request (a held claim included) early. */
  signal?: AbortSignal;
}

export type PulseboardClient = ReturnType<typeof createClient>;

const DEFAULT_TIMEOUT_MS = 30_000;
/** A held claim's answer may come wait_seconds late; the request outlives it by this much. */
const CLAIM_WAIT_MARGIN_MS = 15_000;

/** A typed client of every API route; a non-2xx answer throws ApiError, an unreachable server ConnectionError. */
export function createClient(opts: ClientOptions) {
  const base = opts.url.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const auth = { authorization: `Bearer ${opts.token}` };

  async function send(method: string, path: string, body?: unknown, limit: RequestLimit = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...auth };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await httpRequest({
        method,
        url: new URL(`${base}${path}`),
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: limit.timeoutMs ?? timeoutMs,
        ...(limit.signal ? { signal: limit.signal } : {}),
      });
    } catch (err) {
      throw new ConnectionError(base, err);
    }
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await send(method, path, body);
    return parse(answer, method, path) as T;
  }

  /** Like call, but a 204 (nothing to hand out) is null. */
  async function callOrNone<T>(method: string, path: string, body?: unknown, limit?: RequestLimit): Promise<T | null> {
    const answer = await send(method, path, body, limit);
    if (answer.status === 204) return null;
    return parse(answer, method, path) as T;
  }

  return {
    url: base,

    healthz: () => call<unknown>('GET', '/healthz'),
    board: (board?: string) => call<BoardView>('GET', `/api/board${query({ board })}`),

    createTask: async (body: NewTaskBody) => (await call<{ task: Task }>('POST', '/api/tasks', body)).task,
    /** All or nothing; a parent may be `#n`, the n-th task of this batch. */
    createTasks: async (tasks: NewTaskBody[]) => (await call<{ tasks: Task[] }>('POST', '/api/tasks/batch', { tasks })).tasks,
    listTasks: async (filter: TaskQuery = {}) =>
      (await call<{ tasks: Task[] }>('GET', `/api/tasks${query({ ...filter })}`)).tasks,
    getTask: (id: string) => call<TaskDetail>('GET', `/api/tasks/${segment(id)}`),
    updateTask: async (id: string, patch: TaskPatchBody) =>
      (await call<{ task: Task }>('PATCH', `/api/tasks/${segment(id)}`, patch)).task,
    addComment: async (id: string, body: string) =>
      (await call<{ comment: Comment }>('POST', `/api/tasks/${segment(id)}/comments`, { body })).comment,
    reclaimTask: (id: string) => call<{ ok: true; task_id: string }>('POST', `/api/tasks/${segment(id)}/reclaim`, {}),

    /** null when nothing is ready; with wait_seconds the server holds the request until a task is, or that long. */
    claim: (body: ClaimWaitBody, opts: ClaimOptions = {}) =>
      callOrNone<ClaimAnswer>('POST', '/api/claims', body, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(body.wait_seconds ? { timeoutMs: Math.max(timeoutMs, body.wait_seconds * 1000 + CLAIM_WAIT_MARGIN_MS) } : {}),
      }),
    heartbeat: (runId: number, body: HeartbeatBody) =>
      call<{ claim_expires: number }>('POST', `/api/runs/${runId}/heartbeat`, body),
    complete: (runId: number, body: CompleteBody) => call<CompleteAnswer>('POST', `/api/runs/${runId}/complete`, body),

    activeRuns: (board?: string) => call<ActiveRunsView>('GET', `/api/workers/active${query({ board })}`),
    getRun: async (runId: number) => (await call<{ run: PublicRun }>('GET', `/api/runs/${runId}`)).run,
    runLog: (runId: number, tail?: number) =>
      call<RunLogAnswer>('GET', `/api/runs/${runId}/log${query({ tail: tail === undefined ? undefined : String(tail) })}`),
    inspectRun: (runId: number) => call<InspectAnswer>('GET', `/api/runs/${runId}/inspect`),
    /** The inspect answer of each run (1..1000 ids) in one request. */
    inspectRuns: (runIds: number[]) =>
      call<{ inspections: InspectAnswer[]; checked_at: number }>('POST', '/api/runs/inspect', { run_ids: runIds }),
    terminateRun: (runId: number, body: TerminateBody = {}) =>
      call<TerminateAnswer>('POST', `/api/runs/${runId}/terminate`, body),

    workers: () => call<RegistryView>('GET', '/api/workers'),
    publishHealth: (name: string, extra: Record<string, unknown> = {}) =>
      call<HealthAnswer>('POST', '/api/heartbeats', { ...extra, name }),
    stopWorker: (name: string) => call<StopWorkerAnswer>('POST', `/api/workers/${segment(name)}/stop`, {}),

    /** Event rows as JSON, oldest first: those after afterId, or those among the last `limit` ids. */
    recentEvents: (filter: { board?: string; afterId?: number; limit?: number } = {}) =>
      call<RecentEventsAnswer>(
        'GET',
        `/api/events/recent${query({
          board: filter.board,
          after_id: filter.afterId === undefined ? undefined : String(filter.afterId),
          limit: filter.limit === undefined ? undefined : String(filter.limit),
        })}`,
      ),

    createToken: (role: Role, name: string) => call<CreatedToken>('POST', '/api/tokens', { role, name }),
    listTokens: async () => (await call<{ tokens: ApiToken[] }>('GET', '/api/tokens')).tokens,
    revokeToken: (id: string) => call<unknown>('DELETE', `/api/tokens/${segment(id)}`),

    /**
     * The board's event rows as they happen, resuming after lastEventId; ends when the signal aborts,
     * throws when the stream breaks or goes silent (StreamSilentError): resume from the last id seen.
     */
    async *events(stream: EventStreamOptions = {}): AsyncGenerator<EventRow> {
      const path = `/api/events${query({ board: stream.board })}`;
      const headers: Record<string, string> = { ...auth, accept: 'text/event-stream' };
      if (stream.lastEventId !== undefined) headers['last-event-id'] = String(stream.lastEventId);
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, { headers, ...(stream.signal ? { signal: stream.signal } : {}) });
      } catch (err) {
        if (stream.signal?.aborted) return;
        throw new ConnectionError(base, err);
      }
      if (!response.ok || !response.body) {
        parse({ status: response.status, statusText: response.statusText, text: await response.text() }, 'GET', path);
      }
      try {
        for await (const message of readSse(response.body as ReadableStream<Uint8Array>, stream.silenceMs)) {
          if (message.data === '') continue;
          yield JSON.parse(message.data) as EventRow;
        }
      } catch (err) {
        if (stream.signal?.aborted) return;
        throw err;
      }
    },
  };
}

interface RequestLimit {
  signal?: AbortSignal;
  timeoutMs?: number;
}

function parse(answer: HttpAnswer, method: string, path: string): unknown {
  let body: unknown = null;
  if (answer.text !== '') {
    try {
      body = JSON.parse(answer.text);
    } catch {
      body = answer.text;
    }
  }
  if (answer.status >= 200 && answer.status < 300) return body;
  throw new ApiError(answer.status, detailOf(body, answer), method, path);
}

function detailOf(body: unknown, answer: HttpAnswer): string {
  if (body !== null && typeof body === 'object' && 'detail' in body) {
    const detail = (body as { detail: unknown }).detail;
    return typeof detail === 'string' ? detail : JSON.stringify(detail);
  }
  if (typeof body === 'string' && body !== '') return body.slice(0, 500);
  return answer.statusText || `HTTP ${answer.status}`;
}

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

function segment(value: string): string {
  return encodeURIComponent(value);
}
