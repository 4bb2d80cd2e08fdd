/** `pulseboard/postgres`: the PostgreSQL store (loads pg). */
export { openPostgresStore } from '../adapters/store/postgres/index.js';
export type { PostgresStoreOptions } from '../adapters/store/postgres/index.js';
