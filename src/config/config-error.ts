/** A configuration the server refuses to start with; the message names the file, the key and the fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
