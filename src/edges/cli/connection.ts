import type { Command } from 'commander';
import { readTokenFile } from '../../config/admin-token.js';
import { readEnvironment } from '../../config/environment.js';
import { createClient } from '../../sdk/client.js';
import type { PulseboardClient } from '../../sdk/client.js';
import { CliError } from './cli-error.js';

export const DEFAULT_URL = 'http://127.0.0.1:7420';

export interface Connection {
  url: string;
  token: string;
  client: PulseboardClient;
}

/** Server URL from --url / PULSEBOARD_URL; token from --token / PULSEBOARD_TOKEN / <PULSEBOARD_HOME>/token. */
export function connect(command: Command): Connection {
  const globals = command.optsWithGlobals<{ url?: string; token?: string }>();
  const url = globals.url ?? nonEmpty(process.env['PULSEBOARD_URL']) ?? DEFAULT_URL;
  const token = globals.token ?? nonEmpty(process.env['PULSEBOARD_TOKEN']) ?? tokenFromHome();
  if (token === null) {
    throw new CliError('no token: pass --token, set PULSEBOARD_TOKEN, or run where <PULSEBOARD_HOME>/token exists');
  }
  return { url, token, client: createClient({ url, token }) };
}

function tokenFromHome(): string | null {
  return readTokenFile(readEnvironment({ PULSEBOARD_HOME: process.env['PULSEBOARD_HOME'] }).home);
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}
