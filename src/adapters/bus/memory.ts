import { systemClock } from '../../ports/clock.js';
import type { Clock } from '../../ports/clock.js';
import {
  BusClosedError,
  BusHandlerError,
  BusTimeoutError,
  DEFAULT_QUEUE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  NoRespondersError,
} from '../../ports/bus.js';
import type { Bus, RequestHandler, RequestOptions, SubscribeOptions, Subscription } from '../../ports/bus.js';
import { assertPattern, assertSubject, subjectMatches } from '../../core/subjects.js';
import { BoundedSubscription } from './bounded-subscription.js';
import { decodeJson, encodeJson, errorMessage } from './json-codec.js';

export interface MemoryBusOptions {
  /** Default bounded queue size of each subscription. */
  queueSize?: number;
  clock?: Clock;
}

interface Subscriber {
  pattern: string;
  subscription: BoundedSubscription<unknown>;
}

interface Server {
  pattern: string;
  handler: RequestHandler;
}

/** The single-process bus: no network, same semantics as the NATS adapter. */
export function createMemoryBus(opts: MemoryBusOptions = {}): Bus {
  return new MemoryBus(opts.queueSize ?? DEFAULT_QUEUE_SIZE, opts.clock ?? systemClock);
}

class MemoryBus implements Bus {
  readonly kind = 'memory';
  private readonly subscribers = new Set<Subscriber>();
  private readonly servers: Server[] = [];
  private published = 0;
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly defaultQueueSize: number,
    private readonly clock: Clock,
  ) {}

  get connected(): boolean {
    return !this.closed;
  }

  publish(subject: string, data: unknown): void {
    if (this.closed) throw new BusClosedError();
    assertSubject(subject);
    const text = encodeJson(data);
    this.published++;
    const receivedAt = this.clock.now();
    for (const { pattern, subscription } of this.subscribers) {
      if (subjectMatches(pattern, subject)) {
        subscription.deliver({ subject, data: decodeJson(text), received_at: receivedAt });
      }
    }
  }

  subscribe<T = unknown>(pattern: string, opts: SubscribeOptions = {}): Subscription<T> {
    if (this.closed) throw new BusClosedError();
    assertPattern(pattern);
    const subscriber: Subscriber = {
      pattern,
      subscription: new BoundedSubscription<unknown>(opts.queueSize ?? this.defaultQueueSize, {
        onDrop: () => this.dropped++,
        onClose: () => this.subscribers.delete(subscriber),
      }),
    };
    this.subscribers.add(subscriber);
    return subscriber.subscription as BoundedSubscription<T>;
  }

  request<R = unknown>(subject: string, data: unknown, opts: RequestOptions = {}): Promise<R> {
    if (this.closed) return Promise.reject(new BusClosedError());
    try {
      assertSubject(subject);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const server = this.servers.find(({ pattern }) => subjectMatches(pattern, subject));
    if (!server) return Promise.reject(new NoRespondersError(subject));
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const requestText = encodeJson(data);
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BusTimeoutError(subject, timeoutMs)), timeoutMs);
      // The handler runs on a later turn so a requester is never re-entered from inside its own call.
      setImmediate(() => {
        Promise.resolve()
          .then(() => server.handler(decodeJson(requestText)))
          .then(
            (reply) => resolve(decodeJson(encodeJson(reply)) as R),
            (error: unknown) => reject(new BusHandlerError(subject, errorMessage(error))),
          )
          .finally(() => clearTimeout(timer));
      });
    });
  }

  serve(subject: string, handler: RequestHandler): { close(): void } {
    if (this.closed) throw new BusClosedError();
    assertPattern(subject);
    const server: Server = { pattern: subject, handler };
    this.servers.push(server);
    return {
      close: () => {
        const index = this.servers.indexOf(server);
        if (index >= 0) this.servers.splice(index, 1);
      },
    };
  }

  stats(): { published: number; dropped: number } {
    return { published: this.published, dropped: this.dropped };
  }

  close(): Promise<void> {
    this.closed = true;
    for (const { subscription } of [...this.subscribers]) subscription.close();
    this.servers.length = 0;
    return Promise.resolve();
  }
}
