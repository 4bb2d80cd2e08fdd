import type { Command } from 'commander';
import { connect } from '../connection.js';
import { examples } from '../help.js';
import { parseSeconds } from '../parse.js';
import { printSnapshot, runTop } from '../top/session.js';

export function registerTopCommand(program: Command): void {
  examples(program.command('top'), 'pulseboard top', 'pulseboard top --board agents --interval 1', 'pulseboard top > fleet.txt   # no terminal: one snapshot')
    .description('a full-screen live view of the fleet (? for keys); without a terminal, one snapshot')
    .option('--board <board>', 'one board only')
    .option('--interval <seconds>', 'refresh at least this often (events refresh at once)', parseSeconds, 2)
    .action(async (opts: { board?: string; interval: number }, command: Command) => {
      const connection = connect(command);
      const topOpts = { ...(opts.board === undefined ? {} : { board: opts.board }), intervalSeconds: Math.max(0.2, opts.interval) };
      if (!process.stdout.isTTY || !process.stdin.isTTY) return printSnapshot(connection, topOpts);
      // Fails here, before the screen is taken, if the server cannot be reached.
      await connection.client.workers();
      await runTop(connection, topOpts);
    });
}
