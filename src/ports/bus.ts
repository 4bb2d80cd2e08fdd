/** The message bus: publish/subscribe on NATS-style subjects plus request/reply. Payloads are JSON values. */

export interface BusMessage<T = unknown> {
  subject: string;
  data: T;
  /** Seconds since the epoch at which this subscriber's side of the bus took the message in. */
  received_at: number;
}

export interface Subscription<T = unknown> extends AsyncIterable<BusMessage<T>> {
  /** Ends a pending iteration at once; messages still queued are discarded. */
  close(): void;
  /** Messages this subscriber lost to its bounded queue (the oldest go first). */
  readonly dropped: number;
}

export interface SubscribeOptions {
  /** Most messages held for this subscriber before the oldest are dropped. */
  queueSize?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export type RequestHandler = (data: unknown) => Promise<unknown> | unknown;

export interface Bus {
  readonly kind: 'memory' | 'nats';
  readonly connected: boolean;
  /** Never blocks and never throws because a subscriber is slow. */
  publish(subject: string, data: unknown): void;
  subscribe<T = unknown>(pattern: string, opts?: SubscribeOptions): Subscription<T>;
  /** Rejects with BusTimeoutError, NoRespondersError or BusHandlerError. */
  request<R = unknown>(subject: string, data: unknown, opts?: RequestOptions): Promise<R>;
  /** Answers requests on `subject` (a pattern); when several serve one subject, one of them answers. */
  serve(subject: string, handler: RequestHandler): { close(): void };
  stats(): { published: number; dropped: number };
  close(): Promise<void>;
}

export const DEFAULT_QUEUE_SIZE = 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

export class BusTimeoutError extends Error {
  override readonly name = 'BusTimeoutError';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply on ${subject} within ${timeoutMs} ms`);
  }
}

export class NoRespondersError extends Error {
  override readonly name = 'NoRespondersError';
  constructor(readonly subject: string) {
    super(`no responders on ${subject}`);
  }
}

/** The responder was reached but its handler failed; the message is the handler's. */
export class BusHandlerError extends Error {
  override readonly name = 'BusHandlerError';
  constructor(
    readonly subject: string,
    readonly remoteMessage: string,
  ) {
    super(`handler on ${subject} failed: ${remoteMessage}`);
  }
}

export class BusClosedError extends Error {
  override readonly name = 'BusClosedError';
  constructor() {
    super('bus is closed');
  }
}
