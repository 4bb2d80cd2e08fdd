import type { Command } from 'commander';
import { parsePort } from '../../../config/environment.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the server: API, dashboard, registry, reaper and dispatcher')
    .option('--no-dispatch', 'do not spawn workers for the configured profiles')
    .option('--port <port>', 'listen port (default PULSEBOARD_PORT or 7420)', (value: string) => parsePort(value, '--port'))
    .option('--host <host>', 'listen address (default PULSEBOARD_HOST or 127.0.0.1)')
    .option('--print-token', 'print the dashboard URL with the admin token in it (by default only where the token is)')
    .action(async (opts: { dispatch: boolean; port?: number; host?: string; printToken?: boolean }) => {
      // Loaded here so the client commands start without the server's dependencies.
      const { startPulseboard } = await import('../../../server.js');
      await startPulseboard({
        dispatch: opts.dispatch,
        handleSignals: true,
        printToken: opts.printToken === true,
        ...(opts.port === undefined ? {} : { port: opts.port }),
        ...(opts.host === undefined ? {} : { host: opts.host }),
      });
    });
}
