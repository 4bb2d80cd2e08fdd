/** `pulseboard/sqlite`: the SQLite store (loads the better-sqlite3 native addon). */
export { openSqliteStore } from '../adapters/store/sqlite/index.js';
export type { SqliteStoreOptions } from '../adapters/store/sqlite/index.js';
