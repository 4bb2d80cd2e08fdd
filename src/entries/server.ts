/** `pulseboard/server`: the HTTP API, dashboard, dispatcher and reaper in one process, and its configuration. */
export { startPulseboard, SERVER_WORKER_NAME } from '../server.js';
export type { Pulseboard, StartOptions } from '../server.js';
export { ConfigError, loadConfig } from '../config/index.js';
export type { ProfileConfig, PulseboardConfig } from '../config/index.js';
