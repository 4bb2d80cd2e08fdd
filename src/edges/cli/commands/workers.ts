import type { Command } from 'commander';
import { connect } from '../connection.js';
import { examples } from '../help.js';
import { formatAge, printJson, printTable } from '../output.js';

export function registerWorkersCommand(program: Command): void {
  examples(program
    .command('workers'), 'pulseboard workers', 'pulseboard workers --json')
    .description('the registry: known long-lived workers and whether they are alive')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const view = await connect(command).client.workers();
      if (opts.json) return printJson(view);
      printTable(
        ['NAME', 'STATUS', 'SEEN', 'HOST', 'PID'],
        view.workers.map((w) => [w.name, w.status, w.seconds_since === null ? 'never' : `${formatAge(w.seconds_since)} ago`, w.host, w.pid]),
        '(no known workers)',
        [1],
      );
      if (!view.bus_connected) process.stdout.write('warning: the server is not connected to its bus\n');
    });

  examples(program
    .command('stop-worker'), 'pulseboard stop-worker collector')
    .description('ask a long-lived worker to stop')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }, command: Command) => {
      const answer = await connect(command).client.stopWorker(name);
      if (opts.json) printJson(answer);
      else process.stdout.write(`asked ${answer.worker} to stop\n`);
    });
}
