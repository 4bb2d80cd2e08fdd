import { afterEach, describe, expect, it } from 'vitest';
import { BusClosedError, BusHandlerError, BusTimeoutError, NoRespondersError } from '../../src/ports/bus.js';
import type { Bus } from '../../src/ports/bus.js';
import { InvalidSubjectError } from '../../src/core/subjects.js';
import { eventually, take, uniquePrefix } from './helpers.js';

/** The behaviour every Bus adapter must show; each adapter's test file runs it against a fresh bus per test. */
export function busContract(name: string, factory: () => Promise<Bus>): void {
  describe(`bus contract: ${name}`, () => {
    const opened: Bus[] = [];
    const open = async (): Promise<Bus> => {
      const bus = await factory();
      opened.push(bus);
      return bus;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });

    it('delivers JSON payloads with their subject and a receive time', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const sub = bus.subscribe(`${p}.a`);
      const before = Date.now() / 1000;
      bus.publish(`${p}.a`, { n: 1, list: [1, 'two', null], nested: { ok: true } });
      const [message] = await take(sub, 1);
      expect(message?.subject).toBe(`${p}.a`);
      expect(message?.data).toEqual({ n: 1, list: [1, 'two', null], nested: { ok: true } });
      expect(message?.received_at).toBeGreaterThanOrEqual(before - 1);
      expect(bus.stats().published).toBe(1);
      expect(bus.connected).toBe(true);
      expect(bus.kind).toBe(name);
    });

    it('hands the subscriber a copy: changing the published object afterwards changes nothing', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const sub = bus.subscribe<{ v: number }>(`${p}.copy`);
      const payload = { v: 1 };
      bus.publish(`${p}.copy`, payload);
      payload.v = 2;
      const [message] = await take(sub, 1);
      expect(message?.data).toEqual({ v: 1 });
    });

    it('matches * against exactly one non-empty token', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const sub = bus.subscribe(`${p}.*.health`);
      bus.publish(`${p}.health`, 'no: zero tokens');
      bus.publish(`${p}.a.b.health`, 'no: two tokens');
      bus.publish(`${p}.a.health`, 'yes');
      bus.publish(`${p}.a.control`, 'no: other last token');
      bus.publish(`${p}.z.health`, 'yes, last');
      const messages = await take(sub, 2);
      expect(messages.map((m) => m.subject)).toEqual([`${p}.a.health`, `${p}.z.health`]);
      // The marker arrived after everything published before it; nothing else is waiting.
      bus.publish(`${p}.end.health`, 'end');
      expect((await take(sub, 1))[0]?.subject).toBe(`${p}.end.health`);
    });

    it('matches > against one or more trailing tokens, but not zero', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const sub = bus.subscribe(`${p}.x.>`);
      bus.publish(`${p}.x`, 'no: zero trailing tokens');
      bus.publish(`${p}.y.a`, 'no: other prefix');
      bus.publish(`${p}.x.a`, 'one');
      bus.publish(`${p}.x.a.b.c`, 'three');
      bus.publish(`${p}.x.end`, 'end');
      const messages = await take(sub, 3);
      expect(messages.map((m) => m.data)).toEqual(['one', 'three', 'end']);
    });

    it('gives every matching subscriber its own copy', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const first = bus.subscribe(`${p}.>`);
      const second = bus.subscribe(`${p}.*`);
      bus.publish(`${p}.a`, 1);
      expect((await take(first, 1))[0]?.data).toBe(1);
      expect((await take(second, 1))[0]?.data).toBe(1);
      first.close();
      bus.publish(`${p}.a`, 2);
      expect((await take(second, 1))[0]?.data).toBe(2);
    });

    it('close() ends a pending for-await at once', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const sub = bus.subscribe(`${p}.never`);
      const seen: unknown[] = [];
      const loop = (async () => {
        for await (const message of sub) seen.push(message.data);
        return 'ended';
      })();
      await new Promise((resolve) => setTimeout(resolve, 50));
      sub.close();
      await expect(withDeadline(loop, 2000)).resolves.toBe('ended');
      expect(seen).toEqual([]);
      sub.close();
    });

    it('leaving a for-await early closes the subscription', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const sub = bus.subscribe(`${p}.s`);
      bus.publish(`${p}.s`, 1);
      bus.publish(`${p}.s`, 2);
      for await (const message of sub) {
        expect(message.data).toBe(1);
        break;
      }
      const after = await withDeadline(sub[Symbol.asyncIterator]().next(), 2000);
      expect(after.done).toBe(true);
    });

    it('closing the bus ends every pending iteration, then refuses to publish', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const sub = bus.subscribe(`${p}.s`);
      const pending = sub[Symbol.asyncIterator]().next();
      await bus.close();
      expect((await withDeadline(pending, 2000)).done).toBe(true);
      expect(bus.connected).toBe(false);
      expect(() => bus.publish(`${p}.s`, 1)).toThrow(BusClosedError);
      await bus.close();
    });

    it('answers a request from the one server of its subject', async () => {
      const bus = await open();
      const p = uniquePrefix();
      bus.serve(`${p}.echo`, (data) => ({ got: data }));
      await expect(bus.request(`${p}.echo`, { q: 42 })).resolves.toEqual({ got: { q: 42 } });
    });

    it('serves a wildcard subject and async handlers; a handler that returns nothing replies null', async () => {
      const bus = await open();
      const p = uniquePrefix();
      bus.serve(`${p}.*.inspect`, async (data) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return data === 'nothing' ? undefined : { host: 'any', data };
      });
      await expect(bus.request(`${p}.box_local.inspect`, 7)).resolves.toEqual({ host: 'any', data: 7 });
      await expect(bus.request(`${p}.other.inspect`, 'nothing')).resolves.toBeNull();
    });

    it('answers a request once even when several serve the subject', async () => {
      const bus = await open();
      const p = uniquePrefix();
      let calls = 0;
      bus.serve(`${p}.svc`, () => ++calls);
      bus.serve(`${p}.svc`, () => ++calls);
      await bus.request(`${p}.svc`, null);
      await bus.request(`${p}.svc`, null);
      // A late duplicate handler call would have had time to land during a further round trip.
      await bus.request(`${p}.svc`, null);
      expect(calls).toBe(3);
    });

    it('rejects with BusHandlerError carrying the message when the handler throws', async () => {
      const bus = await open();
      const p = uniquePrefix();
      bus.serve(`${p}.bad`, () => {
        throw new Error('pid 7 not ours\nsecond line');
      });
      const failure = bus.request(`${p}.bad`, {});
      await expect(failure).rejects.toBeInstanceOf(BusHandlerError);
      await expect(failure).rejects.toThrow(/pid 7 not ours/);
    });

    it('rejects with BusTimeoutError when the server does not answer in time', async () => {
      const bus = await open();
      const p = uniquePrefix();
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      bus.serve(`${p}.slow`, async () => {
        await held;
        return 'late';
      });
      try {
        const failure = bus.request(`${p}.slow`, {}, { timeoutMs: 200 });
        await expect(failure).rejects.toBeInstanceOf(BusTimeoutError);
        await expect(failure).rejects.toMatchObject({ subject: `${p}.slow`, timeoutMs: 200 });
      } finally {
        release();
      }
    });

    it('rejects with NoRespondersError when nobody serves the subject, also after serve is closed', async () => {
      const bus = await open();
      const p = uniquePrefix();
      await expect(bus.request(`${p}.nobody`, {}, { timeoutMs: 3000 })).rejects.toBeInstanceOf(NoRespondersError);
      const server = bus.serve(`${p}.brief`, () => 'here');
      await expect(bus.request(`${p}.brief`, {})).resolves.toBe('here');
      server.close();
      await expect(bus.request(`${p}.brief`, {}, { timeoutMs: 3000 })).rejects.toBeInstanceOf(NoRespondersError);
    });

    it('refuses invalid subjects and patterns with InvalidSubjectError', async () => {
      const bus = await open();
      const p = uniquePrefix();
      expect(() => bus.publish(`${p}.*`, 1)).toThrow(InvalidSubjectError);
      expect(() => bus.publish(`${p}..a`, 1)).toThrow(InvalidSubjectError);
      expect(() => bus.publish(`${p}.a b`, 1)).toThrow(InvalidSubjectError);
      expect(() => bus.subscribe(`${p}.>.a`)).toThrow(InvalidSubjectError);
      expect(() => bus.subscribe(`${p}.a*`)).toThrow(InvalidSubjectError);
      await expect(bus.request(`${p}.>`, 1)).rejects.toBeInstanceOf(InvalidSubjectError);
      expect(bus.stats().published).toBe(0);
    });

    it('a slow subscriber loses its oldest messages, counted on it and on the bus; others are unaffected', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const slow = bus.subscribe<number>(`${p}.n`, { queueSize: 10 });
      const roomy = bus.subscribe<number>(`${p}.n`, { queueSize: 1000 });
      for (let i = 0; i < 100; i++) bus.publish(`${p}.n`, i);
      await eventually(() => slow.dropped === 90, `slow subscriber dropped 90 (now ${slow.dropped})`);
      const kept = await take(slow, 10);
      expect(kept.map((m) => m.data)).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
      expect(slow.dropped).toBe(90);
      expect(roomy.dropped).toBe(0);
      expect((await take(roomy, 100)).map((m) => m.data)).toEqual([...Array(100).keys()]);
      expect(bus.stats()).toEqual({ published: 100, dropped: 90 });
    });

    it('publish never waits for a subscriber that never reads', async () => {
      const bus = await open();
      const p = uniquePrefix();
      const idle = bus.subscribe(`${p}.flood`, { queueSize: 1 });
      for (let i = 0; i < 10_000; i++) bus.publish(`${p}.flood`, { i });
      expect(bus.stats().published).toBe(10_000);
      await eventually(() => idle.dropped > 0, 'the idle subscriber drops messages');
      expect(typeof idle.dropped).toBe('number');
    });
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
