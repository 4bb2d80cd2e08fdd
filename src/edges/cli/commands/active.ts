import type { Command } from 'commander';
import { connect } from '../connection.js';
import { examples } from '../help.js';
import { formatAge, printJson, printTable, truncate } from '../output.js';

export function registerActiveCommand(program: Command): void {
  examples(program
    .command('active'), 'pulseboard active', 'pulseboard active --json | jq ".workers[] | select(.state != \\"healthy\\")"')
    .description('live runs: who runs what, and whether it is healthy')
    .option('--board <board>', 'one board only')
    .option('--json', 'print JSON')
    .action(async (opts: { board?: string; json?: boolean }, command: Command) => {
      const view = await connect(command).client.activeRuns(opts.board);
      if (opts.json) return printJson(view);
      const now = view.checked_at;
      printTable(
        ['RUN', 'TASK', 'STATE', 'WORKER', 'HOST', 'PID', 'RUNNING', 'BEAT', 'TITLE'],
        view.workers.map((r) => [
          r.run_id,
          r.task_id,
          r.state,
          r.worker,
          r.host,
          r.worker_pid,
          formatAge(now - r.started_at),
          `${formatAge(now - r.last_heartbeat_at)} ago`,
          truncate(r.task_title, 50),
        ]),
        '(no live runs)',
        [2],
      );
    });
}
