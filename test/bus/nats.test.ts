import { createServer, connect as connectTcp } from 'node:net';
import type { Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectNatsBus } from '../../src/adapters/bus/nats.js';
import { FakeClock } from '../../src/ports/clock.js';
import type { Bus } from '../../src/ports/bus.js';
import { busContract } from './bus-contract.js';
import { eventually, take, uniquePrefix } from './helpers.js';
import { NATS_URL, natsGate } from './nats-availability.js';

const { available } = await natsGate();

if (available) {
  busContract('nats', () => connectNatsBus({ url: NATS_URL, name: 'pulseboard-bus-contract' }));
}

describe.skipIf(!available)('NATS bus', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('stamps received_at from its clock', async () => {
    const bus = await connectNatsBus({ url: NATS_URL, clock: new FakeClock(1234) });
    cleanups.push(() => bus.close());
    const p = uniquePrefix();
    const sub = bus.subscribe(`${p}.a`);
    bus.publish(`${p}.a`, 'x');
    expect((await take(sub, 1))[0]?.received_at).toBe(1234);
  });

  it('rejects at connect when no server answers', async () => {
    const server = await listen(createServer((socket) => socket.destroy()));
    cleanups.push(() => closeServer(server));
    await expect(connectNatsBus({ url: `nats://127.0.0.1:${port(server)}` })).rejects.toThrow();
  });

  it('skips messages that are not JSON and counts them', async () => {
    const bus = await connectNatsBus({ url: NATS_URL });
    cleanups.push(() => bus.close());
    const p = uniquePrefix();
    const sub = bus.subscribe(`${p}.>`);
    // Another bus cannot publish non-JSON, so go one level down for a foreign publisher.
    const { connect } = await import('@nats-io/transport-node');
    const foreign = await connect({ servers: NATS_URL });
    cleanups.push(() => foreign.close());
    foreign.publish(`${p}.raw`, 'not json {');
    foreign.publish(`${p}.ok`, '{"fine":true}');
    const [message] = await take(sub, 1);
    expect(message?.data).toEqual({ fine: true });
    expect(bus.malformed).toBe(1);
  });

  it('reports a lost connection, reconnects by itself and delivers again', async () => {
    const proxy = await startProxy(NATS_URL);
    cleanups.push(() => proxy.close());
    const bus: Bus = await connectNatsBus({ url: `nats://127.0.0.1:${proxy.port}` });
    cleanups.push(() => bus.close());
    const direct = await connectNatsBus({ url: NATS_URL });
    cleanups.push(() => direct.close());
    const p = uniquePrefix();
    const sub = bus.subscribe<string>(`${p}.after`);
    expect(bus.connected).toBe(true);

    proxy.pauseAndCut();
    await eventually(() => !bus.connected, 'connected turns false once the link is cut', 10_000);
    proxy.resume();
    await eventually(() => bus.connected, 'connected turns true after the automatic reconnect', 20_000);

    // The subscription was restored on reconnect: keep publishing until one arrives.
    const received = take(sub, 1, 20_000);
    const ticker = setInterval(() => direct.publish(`${p}.after`, 'back'), 100);
    try {
      expect((await received)[0]?.data).toBe('back');
    } finally {
      clearInterval(ticker);
    }
  });
});

interface Proxy {
  port: number;
  /** Drops every open link and refuses new ones until resume(). */
  pauseAndCut(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A TCP relay to the real NATS server that the test can cut, to see the client lose and regain it. */
async function startProxy(target: string): Promise<Proxy> {
  const { hostname, port: targetPort } = new URL(target);
  const links = new Set<Socket>();
  let paused = false;
  const server = createServer((client) => {
    if (paused) {
      client.destroy();
      return;
    }
    const upstream = connectTcp({ host: hostname, port: Number(targetPort || 4222) });
    links.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      links.delete(client);
      links.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await listen(server);
  return {
    port: port(server),
    pauseAndCut: () => {
      paused = true;
      for (const socket of links) socket.destroy();
    },
    resume: () => {
      paused = false;
    },
    close: async () => {
      for (const socket of links) socket.destroy();
      await closeServer(server);
    },
  };
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function port(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not listening on TCP');
  return address.port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
