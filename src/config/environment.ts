import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';

export const DEFAULT_PORT = 7420;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_HOME = '.pulseboard';

/** The PULSEBOARD_* environment, parsed and checked. */
export interface Environment {
  /** Absolute data folder. */
  home: string;
  port: number;
  host: string;
  token: string | null;
  databaseUrl: string | null;
  natsUrl: string | null;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Environment {
  return {
    home: resolve(cwd, nonEmpty(env['PULSEBOARD_HOME']) ?? DEFAULT_HOME),
    port: parsePort(nonEmpty(env['PULSEBOARD_PORT'])),
    host: nonEmpty(env['PULSEBOARD_HOST']) ?? DEFAULT_HOST,
    token: nonEmpty(env['PULSEBOARD_TOKEN']),
    databaseUrl: parseDatabaseUrl(nonEmpty(env['PULSEBOARD_DATABASE_URL'])),
    natsUrl: nonEmpty(env['PULSEBOARD_NATS_URL']),
  };
}

export function parsePort(text: string | null, source = 'PULSEBOARD_PORT'): number {
  if (text === null) return DEFAULT_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new ConfigError(`${source} must be a port number from 0 to 65535, got ${JSON.stringify(text)}`);
  }
  return port;
}

function parseDatabaseUrl(text: string | null): string | null {
  if (text === null) return null;
  if (!/^postgres(ql)?:\/\//.test(text)) {
    throw new ConfigError('PULSEBOARD_DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return text;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}
