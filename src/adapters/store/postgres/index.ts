export { openPostgresStore } from './store.js';
export type { PostgresStoreOptions } from './store.js';
