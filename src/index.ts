/**
 * The main entry, `pulseboard`: the SDK (workers, transports, the HTTP client) and the shapes it speaks.
 * It loads no server, no database driver and no native addon; those are `pulseboard/server`,
 * `pulseboard/sqlite`, `pulseboard/postgres` and `pulseboard/nats` (src/entries/).
 */
export { createWorker } from './sdk/worker.js';
export type { TaskContext, TaskHandler, Worker, WorkerOptions, WorkerStats } from './sdk/worker-types.js';
export { httpTransport } from './sdk/http-transport.js';
export type { HttpTransportOptions } from './sdk/http-transport.js';
export { storeTransport } from './store-transport.js';
export type { StoreTransport, StoreTransportOptions } from './sdk/store-transport.js';
export type { ClaimInput, CompleteReport, WorkerTransport } from './sdk/transport.js';
export { BlockedError, WorkerStoppedError } from './sdk/errors.js';
export { createClient } from './sdk/client.js';
export type { ClientOptions, EventStreamOptions, PulseboardClient } from './sdk/client.js';
export { ApiError, ConnectionError } from './sdk/api-error.js';
export { StreamSilentError } from './sdk/sse.js';
export type * from './sdk/api-types.js';
export { createMemoryBus } from './adapters/bus/memory.js';
export { LeaseLostError, ConflictError, InvalidInputError, NotFoundError, PulseboardError } from './core/errors.js';
export type * from './core/types.js';
export type { Store } from './ports/store.js';
export type { Bus } from './ports/bus.js';
export type { Clock } from './ports/clock.js';
