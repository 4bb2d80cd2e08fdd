import { randomBytes } from 'node:crypto';
import type { BusMessage, Subscription } from '../../src/ports/bus.js';

/** A subject prefix no other test run shares, so parallel runs on one NATS server never collide. */
export function uniquePrefix(label = 't'): string {
  return `${label}${randomBytes(6).toString('hex')}`;
}

/** The next `count` messages of a subscription, failing after a generous deadline. */
export async function take<T>(subscription: Subscription<T>, count: number, deadlineMs = 5000): Promise<BusMessage<T>[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  const messages: BusMessage<T>[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`only ${messages.length} of ${count} messages within ${deadlineMs} ms`)),
      deadlineMs,
    );
  });
  try {
    while (messages.length < count) {
      const result = await Promise.race([iterator.next(), deadline]);
      if (result.done) throw new Error(`subscription ended after ${messages.length} of ${count} messages`);
      messages.push(result.value);
    }
    return messages;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `check` holds, failing after a generous deadline; for liveness, never for timing. */
export async function eventually(check: () => boolean, what: string, deadlineMs = 5000): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > giveUpAt) throw new Error(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
