import { procIdentity } from './adapters/process/proc-identity.js';
import type { Store } from './ports/store.js';
import { createStoreTransport } from './sdk/store-transport.js';
import type { StoreTransport, StoreTransportOptions } from './sdk/store-transport.js';

/** The SDK's in-process transport, with claims that name this machine and read the worker's start time from procfs. */
export function storeTransport(store: Store, opts: StoreTransportOptions = {}): StoreTransport {
  return createStoreTransport(store, procIdentity, opts);
}
