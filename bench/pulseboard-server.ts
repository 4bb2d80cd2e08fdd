import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startPulseboard } from '../src/server.js';
import type { Pulseboard } from '../src/server.js';

export interface BenchServerOptions {
  /** A temporary folder this benchmark owns; the data folder and config go inside it. */
  dir: string;
  /** Written as the server's pulseboard.config.json. */
  config?: Record<string, unknown>;
  dispatch?: boolean;
  natsUrl?: string;
}

/**
 * A Pulseboard server on a free port with its data in `dir`, ignoring any PULSEBOARD_* of the caller's
 * environment (a developer's own database URL or token must never be touched by the benchmark).
 */
export async function startBenchServer(opts: BenchServerOptions): Promise<Pulseboard> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PULSEBOARD_')) env[key] = value;
  env.PULSEBOARD_HOME = path.join(opts.dir, 'home');
  if (opts.natsUrl) env.PULSEBOARD_NATS_URL = opts.natsUrl;
  mkdirSync(opts.dir, { recursive: true });
  const configPath = path.join(opts.dir, 'pulseboard.config.json');
  writeFileSync(configPath, JSON.stringify(opts.config ?? {}));
  env.PULSEBOARD_CONFIG = configPath;
  return startPulseboard({ env, cwd: opts.dir, port: 0, host: '127.0.0.1', dispatch: opts.dispatch ?? false, log: () => {} });
}
