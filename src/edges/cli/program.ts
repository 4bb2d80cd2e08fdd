import { Command, Option } from 'commander';
import { registerActiveCommand } from './commands/active.js';
import { registerBoardCommand } from './commands/board.js';
import { registerClaimCommand } from './commands/claim.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerEventsCommand } from './commands/events.js';
import { registerInitCommand } from './commands/init.js';
import { registerRunCommands } from './commands/run.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTaskCommands } from './commands/task.js';
import { registerTokenCommands } from './commands/token.js';
import { registerTopCommand } from './commands/top.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerWorkersCommand } from './commands/workers.js';

/** Verbs that never talk to a server, so they take no --url / --token. */
const OFFLINE_VERBS = new Set(['serve', 'init', 'completion']);

export function createProgram(): Command {
  const program = new Command('pulseboard')
    .description('a task board for fleets of workers')
    .addHelpText('after', '\nEvery verb has its own --help with an example. Exit codes: 0 ok, 1 the request failed, 2 usage.\n')
    // Errors are printed by main() as one line; commander only throws them.
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    // Lets `worker` hand everything after its command name to that command untouched.
    .enablePositionalOptions();
  addConnectionOptions(program);
  registerServeCommand(program);
  registerInitCommand(program);
  registerBoardCommand(program);
  registerTaskCommands(program);
  registerClaimCommand(program);
  registerActiveCommand(program);
  registerWorkersCommand(program);
  registerRunCommands(program);
  registerEventsCommand(program);
  registerTokenCommands(program);
  registerWorkerCommand(program);
  registerTopCommand(program);
  registerCompletionCommand(program);
  for (const verb of program.commands) {
    if (!OFFLINE_VERBS.has(verb.name())) for (const leaf of leaves(verb)) addConnectionOptions(leaf);
  }
  return program;
}

/**
 * The global flags are declared on every verb as well as on the program, so they work before or after
 * the verb (`pulseboard --url U task ls` and `pulseboard task ls --url U`); the verb's own value wins.
 */
function addConnectionOptions(command: Command): void {
  command.addOption(new Option('--url <url>', 'server URL (default PULSEBOARD_URL, else http://PULSEBOARD_HOST:PULSEBOARD_PORT)'));
  command.addOption(new Option('--token <token>', 'API token (default PULSEBOARD_TOKEN, else <PULSEBOARD_HOME>/token)'));
}

export function leaves(command: Command): Command[] {
  return command.commands.length === 0 ? [command] : command.commands.flatMap(leaves);
}
