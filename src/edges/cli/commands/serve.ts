import type { Command } from 'commander';
import { parsePort } from '../../../config/environment.js';
import { examples } from '../help.js';

/** Each flag stands for the PULSEBOARD_* variable of the same name and wins over it. */
const SETTINGS = [
  ['home', 'PULSEBOARD_HOME', '<dir>', 'data folder: SQLite file, token, run logs (default ./.pulseboard)'],
  ['port', 'PULSEBOARD_PORT', '<port>', 'listen port (default 7420; 0 picks a free one)'],
  ['host', 'PULSEBOARD_HOST', '<address>', 'listen address (default 127.0.0.1)'],
  ['adminToken', 'PULSEBOARD_TOKEN', '<token>', 'admin token to use instead of the generated one'],
  ['databaseUrl', 'PULSEBOARD_DATABASE_URL', '<url>', 'postgres://… to store on PostgreSQL instead of SQLite'],
  ['natsUrl', 'PULSEBOARD_NATS_URL', '<url>', 'nats://… to run the bus over NATS'],
  ['config', 'PULSEBOARD_CONFIG', '<file>', 'configuration file (default ./pulseboard.config.json)'],
] as const;

type SettingKey = (typeof SETTINGS)[number][0];

export function registerServeCommand(program: Command): void {
  const serve = examples(
    program.command('serve'),
    'pulseboard serve',
    'pulseboard serve --port 7601 --home /var/lib/pulseboard',
    'pulseboard serve --database-url postgres://localhost/pulseboard --nats-url nats://127.0.0.1:4222',
  )
    .description('run the server: API, dashboard, registry, reaper and dispatcher')
    .option('--no-dispatch', 'do not spawn workers for the configured profiles')
    .option('--print-token', 'print the dashboard URL with the admin token in it (by default only where the token is)');
  for (const [key, variable, value, help] of SETTINGS) {
    const flag = key === 'adminToken' ? 'admin-token' : key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    serve.option(`--${flag} ${value}`, `${help} [${variable}]`);
  }
  serve.action(async (opts: { dispatch: boolean; printToken?: boolean } & Partial<Record<SettingKey, string>>) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, variable] of SETTINGS) if (opts[key] !== undefined) env[variable] = opts[key];
    // Checked here so a bad --port is a usage error named by its flag.
    if (opts.port !== undefined) parsePort(opts.port, '--port');
    // Loaded here so the client commands start without the server's dependencies.
    const { startPulseboard } = await import('../../../server.js');
    await startPulseboard({ env, dispatch: opts.dispatch, handleSignals: true, printToken: opts.printToken === true });
  });
}
