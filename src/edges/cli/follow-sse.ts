import { ApiError, ConnectionError } from '../../sdk/api-error.js';
import { readSse } from '../../sdk/sse.js';
import type { SseMessage } from '../../sdk/sse.js';

export interface FollowOptions {
  url: string;
  token: string;
  /** Path and query under the server URL. */
  path: string;
  /** Resume after this id (sent as Last-Event-ID). */
  lastEventId?: string;
  signal: AbortSignal;
  /** Returning 'stop' ends the follow (e.g. on the stream's own `end` event). */
  onMessage(message: SseMessage): 'stop' | void;
  /** Told once per outage, when the stream was lost and is being reopened. */
  onReconnecting(reason: string): void;
  onReconnected(): void;
  /** The server already answered this client (a first request before the stream): a failure to open is an outage, not an error. */
  reachedBefore?: boolean;
  /** Every time the stream is open (first time and after each reconnect). */
  onOpen?(): void;
  /** A stream that sends nothing for this long, not even a keep-alive, is lost (readSse's default; tests shorten it). */
  silenceMs?: number;
}

const MAX_RETRY_MS = 5000;

/**
 * Follows a Server-Sent Events stream until it says stop or the signal aborts. A stream lost after it
 * was opened (closed, broken, or silent past readSse's limit) is reopened with the last id seen, so
 * nothing is missed or repeated; only a first connection that fails (server down, 404, 401) is an error.
 */
export async function followSse(opts: FollowOptions): Promise<void> {
  let lastId = opts.lastEventId;
  let opened = opts.reachedBefore ?? false;
  let retryMs = 500;
  let outage = false;
  // Each attempt aborts with the follow through a link removed when the next one starts (or the
  // follow ends): fetch's own listeners then go with their attempt instead of piling up on the one
  // signal through a long outage.
  let attempt: { signal: AbortSignal; unlink(): void } | undefined;
  try {
    while (!opts.signal.aborted) {
      attempt?.unlink();
      attempt = linkedAbort(opts.signal);
      let response: Response;
      try {
        response = await fetch(`${opts.url.replace(/\/+$/, '')}${opts.path}`, {
          headers: {
            authorization: `Bearer ${opts.token}`,
            accept: 'text/event-stream',
            ...(lastId === undefined ? {} : { 'last-event-id': lastId }),
          },
          signal: attempt.signal,
        });
      } catch (err) {
        if (opts.signal.aborted) return;
        if (!opened) throw new ConnectionError(opts.url, err);
        await pause(outage ? retryMs : 0, opts, (err as Error).message, outage);
        outage = true;
        retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
        continue;
      }
      if (!response.ok || !response.body) {
        const text = await response.text();
        if (!opened || response.status < 500) throw new ApiError(response.status, detailOf(text, response), 'GET', opts.path);
        await pause(retryMs, opts, `HTTP ${response.status}`, outage);
        outage = true;
        continue;
      }
      opened = true;
      opts.onOpen?.();
      if (outage) opts.onReconnected();
      outage = false;
      retryMs = 500;
      try {
        for await (const message of readSse(response.body as ReadableStream<Uint8Array>, opts.silenceMs)) {
          if (message.id !== null) lastId = message.id;
          if (opts.onMessage(message) === 'stop') return;
        }
      } catch (err) {
        if (opts.signal.aborted) return;
        await pause(0, opts, (err as Error).message, outage);
        outage = true;
        continue;
      }
      if (opts.signal.aborted) return;
      await pause(0, opts, 'the server closed the stream', outage);
      outage = true;
    }
  } finally {
    attempt?.unlink();
  }
}

/** A signal that aborts with `parent` until unlinked. */
function linkedAbort(parent: AbortSignal): { signal: AbortSignal; unlink(): void } {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, unlink: () => parent.removeEventListener('abort', onAbort) };
}

async function pause(ms: number, opts: FollowOptions, reason: string, alreadyTold: boolean): Promise<void> {
  if (!alreadyTold) opts.onReconnecting(reason);
  await new Promise<void>((resolve) => {
    // The listener goes with the pause: a long outage pauses hundreds of times on the one signal.
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      opts.signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(ms, 500));
    opts.signal.addEventListener('abort', onAbort, { once: true });
  });
}

function detailOf(text: string, response: Response): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown };
    if (typeof body.detail === 'string') return body.detail;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || response.statusText || `HTTP ${response.status}`;
}

/** Runs a follow until it ends by itself or the user interrupts it (Ctrl-C, SIGTERM): both are a clean stop. */
export async function untilInterrupted(follow: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await follow(stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
