import type { Command } from 'commander';
import { connect } from '../connection.js';
import { examples } from '../help.js';
import { printJson } from '../output.js';
import { parseSeconds } from '../parse.js';

export function registerClaimCommand(program: Command): void {
  examples(program
    .command('claim'), 'pulseboard claim --worker me --profile echo --json')
    .description('claim the next ready task by hand (prints the run and its claim_token)')
    .option('--worker <name>', 'worker name recorded on the run', 'cli')
    .option('--profile <profile>', 'only tasks assigned to this profile')
    .option('--board <board>')
    .option('--ttl <seconds>', 'lease length', parseSeconds)
    .option('--json', 'print JSON')
    .action(
      async (opts: { worker: string; profile?: string; board?: string; ttl?: number; json?: boolean }, command: Command) => {
        const claimed = await connect(command).client.claim({
          worker: opts.worker,
          ...(opts.profile === undefined ? {} : { profile: opts.profile }),
          ...(opts.board === undefined ? {} : { board: opts.board }),
          ...(opts.ttl === undefined ? {} : { ttl_seconds: opts.ttl }),
        });
        if (opts.json) return printJson(claimed);
        if (!claimed) return void process.stdout.write('nothing ready\n');
        const { task, run } = claimed;
        process.stdout.write(
          `claimed ${task.id} "${task.title}"\nrun ${run.id}  claim_token ${run.claim_token}  expires in ${Math.round(
            run.claim_expires - Date.now() / 1000,
          )}s\n`,
        );
      },
    );
}
