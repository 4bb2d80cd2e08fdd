import { connect, headers, RequestError, TimeoutError } from '@nats-io/transport-node';
import type { Msg, NatsConnection, Subscription as NatsSubscription } from '@nats-io/transport-node';
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
import { assertPattern, assertSubject } from '../../core/subjects.js';
import { BoundedSubscription } from './bounded-subscription.js';
import { decodeJson, encodeJson, errorMessage } from './json-codec.js';

export interface NatsBusOptions {
  url: string;
  /** Connection name shown by the NATS server's monitoring. */
  name?: string;
  /** Default bounded queue size of each subscription. */
  queueSize?: number;
  clock?: Clock;
}

/** A failed handler answers with this header instead of a payload, so replies stay plain JSON. */
const HANDLER_ERROR_HEADER = 'Pulseboard-Handler-Error';
/** Responders join one queue group, so a request is answered once however many serve it. */
const RESPONDER_QUEUE = 'pulseboard';
const DRAIN_GRACE_MS = 2000;

/** Connects to NATS (rejects if the first connection fails) and then reconnects by itself forever. */
export async function connectNatsBus(opts: NatsBusOptions): Promise<Bus & { readonly malformed: number }> {
  const nc = await connect({
    servers: opts.url,
    ...(opts.name === undefined ? {} : { name: opts.name }),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  return new NatsBus(nc, opts.queueSize ?? DEFAULT_QUEUE_SIZE, opts.clock ?? systemClock);
}

class NatsBus implements Bus {
  readonly kind = 'nats';
  private readonly subscriptions = new Set<BoundedSubscription<unknown>>();
  private readonly responders = new Set<NatsSubscription>();
  private isUp = true;
  private published = 0;
  private dropped = 0;
  private malformedCount = 0;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly defaultQueueSize: number,
    private readonly clock: Clock,
  ) {
    void this.followStatus();
    void nc.closed().then(() => this.endAllSubscriptions());
  }

  get connected(): boolean {
    return this.isUp && !this.nc.isClosed();
  }

  /** Messages that arrived from NATS but were not JSON; someone outside Pulseboard published them. */
  get malformed(): number {
    return this.malformedCount;
  }

  publish(subject: string, data: unknown): void {
    this.assertOpen();
    assertSubject(subject);
    // While disconnected the client buffers outgoing messages and sends them on reconnect.
    this.nc.publish(subject, encodeJson(data));
    this.published++;
  }

  subscribe<T = unknown>(pattern: string, opts: SubscribeOptions = {}): Subscription<T> {
    this.assertOpen();
    assertPattern(pattern);
    const subscription: BoundedSubscription<unknown> = new BoundedSubscription<unknown>(
      opts.queueSize ?? this.defaultQueueSize,
      {
        onDrop: () => this.dropped++,
        onClose: () => {
          this.subscriptions.delete(subscription);
          unsubscribeQuietly(natsSubscription);
        },
      },
    );
    // Callback mode: the client hands each message over at once, so our bounded queue is the only queue.
    const natsSubscription = this.nc.subscribe(pattern, {
      callback: (error, msg) => {
        if (error) {
          subscription.close();
          return;
        }
        const data = this.decode(msg);
        if (data === undefined) return;
        subscription.deliver({ subject: msg.subject, data: data.value, received_at: this.clock.now() });
      },
    });
    this.subscriptions.add(subscription);
    return subscription as BoundedSubscription<T>;
  }

  async request<R = unknown>(subject: string, data: unknown, opts: RequestOptions = {}): Promise<R> {
    this.assertOpen();
    assertSubject(subject);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    let reply: Msg;
    try {
      reply = await this.nc.request(subject, encodeJson(data), { timeout: timeoutMs });
    } catch (error) {
      if (error instanceof TimeoutError) throw new BusTimeoutError(subject, timeoutMs);
      if (error instanceof RequestError && error.isNoResponders()) throw new NoRespondersError(subject);
      throw error;
    }
    const handlerError = reply.headers?.get(HANDLER_ERROR_HEADER);
    if (handlerError) throw new BusHandlerError(subject, handlerError);
    return decodeJson(reply.string()) as R;
  }

  serve(subject: string, handler: RequestHandler): { close(): void } {
    this.assertOpen();
    assertPattern(subject);
    const responder = this.nc.subscribe(subject, {
      queue: RESPONDER_QUEUE,
      callback: (error, msg) => {
        if (!error) void this.answer(msg, handler);
      },
    });
    this.responders.add(responder);
    return {
      close: () => {
        this.responders.delete(responder);
        unsubscribeQuietly(responder);
      },
    };
  }

  stats(): { published: number; dropped: number } {
    return { published: this.published, dropped: this.dropped };
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.endAllSubscriptions();
    for (const responder of this.responders) unsubscribeQuietly(responder);
    this.responders.clear();
    if (this.nc.isClosed()) return;
    // Drain flushes what was published; a dead server must not hold shutdown forever.
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, DRAIN_GRACE_MS);
    });
    await Promise.race([this.nc.drain().catch(() => undefined), grace]);
    clearTimeout(graceTimer);
    if (!this.nc.isClosed()) await this.nc.close();
  }

  private async answer(msg: Msg, handler: RequestHandler): Promise<void> {
    try {
      const request = this.decode(msg);
      if (request === undefined) throw new Error('request payload is not JSON');
      const reply = await handler(request.value);
      msg.respond(encodeJson(reply));
    } catch (error) {
      const failure = headers();
      // Header values are one line of text.
      failure.set(HANDLER_ERROR_HEADER, errorMessage(error).replace(/[\r\n]+/g, ' ') || 'handler failed');
      msg.respond('', { headers: failure });
    }
  }

  private decode(msg: Msg): { value: unknown } | undefined {
    try {
      return { value: decodeJson(msg.string()) };
    } catch {
      this.malformedCount++;
      return undefined;
    }
  }

  private endAllSubscriptions(): void {
    for (const subscription of [...this.subscriptions]) subscription.close();
  }

  private assertOpen(): void {
    if (this.closing || this.nc.isClosed()) throw new BusClosedError();
  }

  private async followStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnecting' || status.type === 'close') {
        this.isUp = false;
      } else if (status.type === 'reconnect') {
        this.isUp = true;
      }
    }
    this.isUp = false;
  }
}

function unsubscribeQuietly(subscription: NatsSubscription): void {
  // Unsubscribing after the connection closed is harmless but throws in the client.
  try {
    subscription.unsubscribe();
  } catch {
    /* already gone with the connection */
  }
}
