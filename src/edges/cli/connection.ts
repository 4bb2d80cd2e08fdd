import type { Command } from 'commander';
import { readTokenFile } from '../../config/admin-token.js';
import { readEnvironment } from '../../config/environment.js';
import { createClient } from '../../sdk/client.js';
import type { PulseboardClient } from '../../sdk/client.js';
import { UsageError } from './cli-error.js';

export interface Connection {
  url: string;
  token: string;
  client: PulseboardClient;
}

/**
 * The server the CLI talks to: --url, else PULSEBOARD_URL, else the address a local `pulseboard serve`
 * listens on, read from the same PULSEBOARD_HOST / PULSEBOARD_PORT the server reads. The token:
 * --token, else PULSEBOARD_TOKEN, else the admin token that server wrote to <PULSEBOARD_HOME>/token.
 */
export function connect(command: Command): Connection {
  const globals = command.optsWithGlobals<{ url?: string; token?: string }>();
  const env = readEnvironment();
  const url = nonEmpty(globals.url) ?? nonEmpty(process.env['PULSEBOARD_URL']) ?? localUrl(env.host, env.port);
  checkUrl(url);
  const token = nonEmpty(globals.token) ?? env.token ?? readTokenFile(env.home);
  if (token === null) {
    throw new UsageError(
      `no token: pass --token, set PULSEBOARD_TOKEN, or run where ${env.home}/token exists (pulseboard serve writes it)`,
    );
  }
  return { url, token, client: createClient({ url, token }) };
}

function localUrl(host: string, port: number): string {
  // A server listening on every address is reached on the loopback one.
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(url)} (expected e.g. http://127.0.0.1:7420)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`not an http(s) URL: ${JSON.stringify(url)}`);
  }
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value.trim();
}
