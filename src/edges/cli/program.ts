import { Command } from 'commander';
import { registerActiveCommand } from './commands/active.js';
import { registerClaimCommand } from './commands/claim.js';
import { registerRunCommands } from './commands/run.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTaskCommands } from './commands/task.js';
import { registerTokenCommands } from './commands/token.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerWorkersCommand } from './commands/workers.js';

export function createProgram(): Command {
  const program = new Command('pulseboard')
    .description('a task board for fleets of workers')
    .option('--url <url>', 'server URL (default PULSEBOARD_URL or http://127.0.0.1:7420)')
    .option('--token <token>', 'API token (default PULSEBOARD_TOKEN or <PULSEBOARD_HOME>/token)')
    // Lets `worker` hand everything after its command name to that command untouched.
    .enablePositionalOptions()
    .showHelpAfterError();
  registerServeCommand(program);
  registerTaskCommands(program);
  registerClaimCommand(program);
  registerWorkersCommand(program);
  registerActiveCommand(program);
  registerRunCommands(program);
  registerTokenCommands(program);
  registerWorkerCommand(program);
  return program;
}
