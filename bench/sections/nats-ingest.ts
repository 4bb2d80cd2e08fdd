import { connectNatsBus } from '../../src/adapters/bus/nats.js';
import { healthSubject } from '../../src/core/subjects.js';
import { systemClock } from '../../src/ports/clock.js';
import { Registry } from '../../src/services/registry.js';
import { median, sleep } from '../stats.js';

export interface RegistryFigures {
  snapshot_10k_p50_ms: number;
  nats_heartbeats_per_s: number;
  nats_heartbeats_received: number;
  nats_heartbeats_published: number;
}

/**
 * A registry of `workers` known workers fed over NATS by a second connection publishing
 * system.<name>.health as fast as it can; the rate counts what the registry took in.
 */
export async function measureRegistry(natsUrl: string, workers: number, beats: number): Promise<RegistryFigures> {
  const names = Array.from({ length: workers }, (_, i) => `bench-w${i}`);
  const receiverBus = await connectNatsBus({ url: natsUrl, name: 'bench-registry' });
  const publisherBus = await connectNatsBus({ url: natsUrl, name: 'bench-publisher' });
  const registry = new Registry({ bus: receiverBus, clock: systemClock, intervalSeconds: 30, known: names });
  try {
    registry.start();
    await sleep(200);
    const start = performance.now();
    let lastChange = start;
    for (let i = 0; i < beats; i++) {
      publisherBus.publish(healthSubject(names[i % workers] as string), { ts: Date.now() / 1000, pid: 1, host: 'bench', uptime_s: i });
      // Yield now and then so the publisher's socket drains instead of buffering everything.
      if (i % 5000 === 4999) await sleep(0);
    }
    let received = 0;
    for (;;) {
      const count = registry.stats().received;
      if (count !== received) {
        received = count;
        lastChange = performance.now();
      }
      if (received >= beats || performance.now() - lastChange > 2000) break;
      await sleep(2);
    }
    const seconds = (lastChange - start) / 1000;
    const snapshots: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      registry.snapshot();
      snapshots.push(performance.now() - t);
    }
    return {
      snapshot_10k_p50_ms: median(snapshots),
      nats_heartbeats_per_s: received / seconds,
      nats_heartbeats_received: received,
      nats_heartbeats_published: beats,
    };
  } finally {
    registry.stop();
    await publisherBus.close();
    await receiverBus.close();
  }
}
