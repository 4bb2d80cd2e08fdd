import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connectNatsBus } from '../../src/adapters/bus/nats.js';
import { systemClock } from '../../src/ports/clock.js';
import type { RegistryRow } from '../../src/core/registry-status.js';
import { Registry } from '../../src/services/registry.js';
import { eventually, uniquePrefix } from '../bus/helpers.js';
import { NATS_URL, natsGate } from '../bus/nats-availability.js';

const { available } = await natsGate();
const WORKER = fileURLToPath(new URL('./fixtures/heartbeat-worker.ts', import.meta.url));

describe.skipIf(!available)('registry over NATS with a real worker process', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('shows a beating process ok, and stale within three intervals of its SIGKILL', async () => {
    const name = uniquePrefix('e2e');
    const bus = await connectNatsBus({ url: NATS_URL, name: 'registry-e2e' });
    cleanups.push(() => bus.close());
    const registry = new Registry({ bus, clock: systemClock, intervalSeconds: 1, known: [name], checkEverySeconds: 0.1 });
    const changes: RegistryRow[] = [];
    registry.onChange((row) => changes.push(row));
    registry.start();
    cleanups.push(() => registry.stop());

    const worker = spawnWorker(name);
    cleanups.push(() => killAndWait(worker));
    const rowOf = () => registry.snapshot().find((row) => row.name === name);

    // Startup of a TypeScript child on a loaded machine is slow; liveness, not speed, is asserted.
    await eventually(() => rowOf()?.status === 'ok', 'the worker shows ok', 30_000);
    expect(rowOf()).toMatchObject({ pid: worker.pid, host: hostname(), extra: { role: 'fixture' } });
    await eventually(() => registry.stats().received >= 3, 'the worker keeps beating', 15_000);
    expect(rowOf()?.status).toBe('ok');

    await killAndWait(worker);
    const killedAt = Date.now();
    await eventually(() => rowOf()?.status === 'stale', 'the killed worker turns stale', 15_000);
    // Beats stop at the kill, so stale comes no later than three intervals plus scheduling slack.
    expect(Date.now() - killedAt).toBeLessThan(3_000 + 5_000);
    // Listeners hear of it on the registry's next evaluation, a fraction of a second later.
    await eventually(() => changes.length === 2, 'listeners are told of ok→stale', 5_000);
    expect(changes.map((row) => row.status)).toEqual(['ok', 'stale']);
    expect(rowOf()?.seconds_since).toBeGreaterThanOrEqual(3);
  });
});

function spawnWorker(name: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, NATS_URL, name, '1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.resume();
  return child;
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
