import type { BusMessage, Subscription } from '../../ports/bus.js';
import { RingQueue } from './ring-queue.js';

interface Hooks {
  /** Called once per message lost to the full queue, so the bus can keep a total. */
  onDrop(): void;
  /** Called once when the subscription closes, so the bus can stop feeding it. */
  onClose(): void;
}

type Waiter<T> = (result: IteratorResult<BusMessage<T>>) => void;

/**
 * The subscriber side shared by every bus adapter: messages wait in a bounded queue until the
 * subscriber pulls them; when it falls behind, the oldest are dropped so the publisher never waits.
 */
export class BoundedSubscription<T> implements Subscription<T> {
  private readonly queue: RingQueue<BusMessage<T>>;
  private readonly waiters: Waiter<T>[] = [];
  private droppedCount = 0;
  private closed = false;

  constructor(
    queueSize: number,
    private readonly hooks: Hooks,
  ) {
    this.queue = new RingQueue(queueSize);
  }

  get dropped(): number {
    return this.droppedCount;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  deliver(message: BusMessage<T>): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter({ value: message, done: false });
      return;
    }
    if (this.queue.push(message)) {
      this.droppedCount++;
      this.hooks.onDrop();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.clear();
    for (const waiter of this.waiters.splice(0)) waiter({ value: undefined, done: true });
    this.hooks.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<BusMessage<T>> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private next(): Promise<IteratorResult<BusMessage<T>>> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
