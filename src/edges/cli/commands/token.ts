import type { Command } from 'commander';
import type { Role } from '../../../core/types.js';
import { connect } from '../connection.js';
import { examples } from '../help.js';
import { formatTime, printJson, printTable } from '../output.js';
import { oneOf } from '../parse.js';

const ROLES: readonly Role[] = ['viewer', 'worker', 'operator', 'admin'];

export function registerTokenCommands(program: Command): void {
  const token = examples(program.command('token').description('API tokens (admin)'), 'pulseboard token create worker collector');

  examples(token
    .command('create'), 'pulseboard token create worker collector', 'pulseboard token create viewer dashboard-tv --json')
    .description('create a token; its secret is shown once')
    .argument('<role>', ROLES.join('|'), oneOf(ROLES))
    .argument('<name>', 'who holds it; for a worker token, the worker name it speaks for')
    .option('--json', 'print JSON')
    .action(async (role: Role, name: string, opts: { json?: boolean }, command: Command) => {
      const created = await connect(command).client.createToken(role, name);
      if (opts.json) return printJson(created);
      process.stdout.write(`${created.token}\n`);
      process.stderr.write(`token ${created.id} (${created.role} ${created.name}); keep the secret above, it is not shown again\n`);
    });

  examples(token
    .command('ls'), 'pulseboard token ls')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const tokens = await connect(command).client.listTokens();
      if (opts.json) return printJson({ tokens });
      printTable(
        ['ID', 'ROLE', 'NAME', 'RUN', 'CREATED', 'LAST USED'],
        tokens.map((t) => [t.id, t.role, t.name, t.run_id, formatTime(t.created_at), formatTime(t.last_used_at)]),
        '(no tokens)',
      );
    });

  examples(token
    .command('revoke'), 'pulseboard token revoke tok_1a2b3c4d5e6f')
    .description('revoke a token: it is refused from the next request on')
    .argument('<token-id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      await connect(command).client.revokeToken(id);
      if (opts.json) printJson({ ok: true, revoked: id });
      else process.stdout.write(`revoked ${id}\n`);
    });
}
