import { createServer } from 'node:net';

/** A loopback port nobody listens on now, kept by a server that must be found there after restarts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The environment of a Pulseboard server process on loopback at `port`, and of its clients
 * (PULSEBOARD_URL): this process's own, with the settings that would point it elsewhere (another
 * config, database or bus) left out. `extra` adds or overrides variables.
 */
export function loopbackServerEnv(opts: { home: string; port: number; token: string; extra?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULSEBOARD_HOME: opts.home,
    PULSEBOARD_PORT: String(opts.port),
    PULSEBOARD_HOST: '127.0.0.1',
    PULSEBOARD_TOKEN: opts.token,
    PULSEBOARD_URL: `http://127.0.0.1:${opts.port}`,
  };
  for (const name of ['PULSEBOARD_NATS_URL', 'PULSEBOARD_CONFIG', 'PULSEBOARD_DATABASE_URL']) delete env[name];
  return { ...env, ...opts.extra };
}
