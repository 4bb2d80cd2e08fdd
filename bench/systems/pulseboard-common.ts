import { createWorker } from '../../src/sdk/worker.js';
import type { WorkerTransport } from '../../src/sdk/transport.js';
import type { Store } from '../../src/ports/store.js';
import type { JobHandler, JobPayload, WorkerPool } from './types.js';

/** Pulseboard has no bulk insert: tasks are created one transaction each, this many in flight at once. */
const CREATE_IN_FLIGHT = 16;

export async function createTasks(store: Store, payloads: readonly JobPayload[]): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < payloads.length) {
      const payload = payloads[next++] as JobPayload;
      await store.createTask({ title: String(payload.seq) });
    }
  };
  await Promise.all(Array.from({ length: CREATE_IN_FLIGHT }, lane));
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
