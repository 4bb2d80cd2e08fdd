export { ConfigError } from './config-error.js';
export { loadConfig, parseConfig, DEFAULT_CONFIG_FILE } from './load-config.js';
export type { LoadConfigOptions } from './load-config.js';
export { readEnvironment, parsePort, DEFAULT_HOST, DEFAULT_HOME, DEFAULT_PORT } from './environment.js';
export type { Environment } from './environment.js';
export { resolveAdminToken, readTokenFile, TOKEN_FILE } from './admin-token.js';
export type { AdminToken } from './admin-token.js';
export { CONFIG_DEFAULTS, ConfigFileSchema, NAME_PATTERN } from './schema.js';
export type { ProfileConfig, PulseboardConfig } from './schema.js';
