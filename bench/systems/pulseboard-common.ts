import { createWorker } from '../../src/sdk/worker.js';
import type { WorkerTransport } from '../../src/sdk/transport.js';
import type { Store } from '../../src/ports/store.js';
import { storeTransport } from '../../src/store-transport.js';
import type { BenchSystem, JobHandler, JobPayload, SetupOptions, WorkerPool } from './types.js';

/** Store.createTasks takes up to this many tasks per call, each call one transaction. */
const BATCH_SIZE = 1000;

/** Bulk enqueue: batches of 1,000 tasks, one transaction each, one after the other. */
export async function createTasks(store: Store, payloads: readonly JobPayload[]): Promise<void> {
  for (let start = 0; start < payloads.length; start += BATCH_SIZE) {
    await store.createTasks(payloads.slice(start, start + BATCH_SIZE).map((payload) => ({ title: String(payload.seq) })));
  }
}

/** The SDK worker at its defaults, with signals and registry health left to the benchmark process. */
export function startSdkWorkers(transport: WorkerTransport, concurrency: number, handler: JobHandler): WorkerPool {
  const worker = createWorker({
    name: 'bench',
    transport,
    concurrency,
    handleSignals: false,
    healthSeconds: false,
    handler: async (task) => {
      await handler({ seq: Number(task.title) });
    },
  });
  return { stop: () => worker.stop({ graceSeconds: 0 }) };
}

export async function pendingTasks(store: Store): Promise<number> {
  const counts = await store.countTasksByStatus();
  return counts.todo + counts.ready + counts.running;
}

/** Pulseboard's SDK worker in this process on a store it opens itself; subclasses say which store and how to empty it. */
export abstract class InProcessStoreSystem implements BenchSystem {
  abstract readonly name: string;
  protected store: Store | null = null;

  abstract setup(opts: SetupOptions): Promise<void>;
  abstract clear(): Promise<void>;
  abstract teardown(): Promise<void>;

  enqueueBulk(payloads: readonly JobPayload[]): Promise<void> {
    return createTasks(this.requireStore(), payloads);
  }

  async enqueueOne(payload: JobPayload): Promise<void> {
    await this.requireStore().createTask({ title: String(payload.seq) });
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<WorkerPool> {
    return startSdkWorkers(storeTransport(this.requireStore()), concurrency, handler);
  }

  pending(): Promise<number> {
    return pendingTasks(this.requireStore());
  }

  protected requireStore(): Store {
    if (!this.store) throw new Error(`${this.name}: setup() first`);
    return this.store;
  }
}
