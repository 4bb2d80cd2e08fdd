import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../../src/adapters/bus/memory.js';
import { FakeClock } from '../../src/ports/clock.js';
import { busContract } from './bus-contract.js';
import { take } from './helpers.js';

busContract('memory', () => Promise.resolve(createMemoryBus()));

describe('memory bus', () => {
  it('stamps received_at from its clock', async () => {
    const clock = new FakeClock(1000);
    const bus = createMemoryBus({ clock });
    const sub = bus.subscribe('a.b');
    bus.publish('a.b', null);
    expect((await take(sub, 1))[0]?.received_at).toBe(1000);
    await bus.close();
  });

  it('delivers on a later turn, never inside the publish call', async () => {
    const bus = createMemoryBus();
    const sub = bus.subscribe('a.b');
    const order: string[] = [];
    const consumer = (async () => {
      for await (const message of sub) {
        order.push(`received ${String(message.data)}`);
        break;
      }
    })();
    order.push('before publish');
    bus.publish('a.b', 1);
    order.push('after publish');
    await consumer;
    expect(order).toEqual(['before publish', 'after publish', 'received 1']);
    await bus.close();
  });

  it('uses its default queue size for every subscription that names none', async () => {
    const bus = createMemoryBus({ queueSize: 3 });
    const sub = bus.subscribe<number>('q');
    for (let i = 0; i < 5; i++) bus.publish('q', i);
    expect(sub.dropped).toBe(2);
    expect((await take(sub, 3)).map((m) => m.data)).toEqual([2, 3, 4]);
    await bus.close();
  });
});
