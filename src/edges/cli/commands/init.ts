import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../../../config/load-config.js';
import { CliError } from '../cli-error.js';
import { examples } from '../help.js';

export const EXAMPLE_WORKER_FILE = 'example-worker.mjs';
export const EXAMPLE_PROFILE = 'example';

const CONFIG_TEXT = `// Pulseboard configuration. Comments are allowed; every key is optional.
// The whole list of keys is in the README ("Configuration").
{
  // Long-lived workers publish their health this often; the registry calls them stale after 3 intervals.
  "heartbeat_interval_seconds": 30,

  // A run whose worker reports no progress for this long shows as "stuck".
  "progress_timeout_seconds": 600,

  // Names of long-lived workers you expect (pulseboard workers lists them, ok / stale / unknown).
  "workers": [],

  // A task whose assignee names a profile is run by \`pulseboard serve\` with that profile's command,
  // one process per run. Exit 0 completes the run; any other exit code fails it (it is retried until
  // max_attempts runs have been made).
  "profiles": {
    "${EXAMPLE_PROFILE}": {
      "command": ["node", "${EXAMPLE_WORKER_FILE}"],
      "concurrency": 2,
      "lease_ttl_seconds": 30,
      "max_runtime_seconds": 600,
      "max_attempts": 2
    }
  },

  // At most this many dispatched runs at once, all profiles together.
  "max_concurrent_runs": 16
}
`;

const WORKER_TEXT = `// Run by \`pulseboard serve\` for every task assigned to the "${EXAMPLE_PROFILE}" profile.
// The task arrives in the environment. Exit 0 completes the run; any other exit code fails it.
const env = process.env;
console.log(\`run \${env.PULSEBOARD_RUN_ID}: working on "\${env.PULSEBOARD_TASK_TITLE}"\`);

// Optional: talk back to the server with the run's own token (fenced by its claim token).
async function report(action, body) {
  const answer = await fetch(\`\${env.PULSEBOARD_URL}/api/runs/\${env.PULSEBOARD_RUN_ID}/\${action}\`, {
    method: 'POST',
    headers: { authorization: \`Bearer \${env.PULSEBOARD_TOKEN}\`, 'content-type': 'application/json' },
    body: JSON.stringify({ claim_token: env.PULSEBOARD_CLAIM_TOKEN, ...body }),
  });
  if (!answer.ok) throw new Error(\`\${action}: HTTP \${answer.status} \${await answer.text()}\`);
}

for (let step = 1; step <= 3; step++) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await report('heartbeat', { progress: { step, of: 3 } }); // shows as progress in \`pulseboard top\`
}

// A result for the task (or { outcome: 'blocked', error: 'why' } to park it for a person).
// Without this call, exiting 0 would complete the run all the same, with no result.
await report('complete', { outcome: 'completed', result: { words: (env.PULSEBOARD_TASK_TITLE ?? '').split(/\\s+/).length } });
`;

export function registerInitCommand(program: Command): void {
  examples(program.command('init'), 'mkdir my-fleet && cd my-fleet && pulseboard init')
    .description(`start a project here: a commented ${DEFAULT_CONFIG_FILE} with one profile and an example worker`)
    .option('--dir <dir>', 'where to write (default: this folder)')
    .action((opts: { dir?: string }) => {
      const dir = resolve(opts.dir ?? '.');
      const files = [
        [DEFAULT_CONFIG_FILE, CONFIG_TEXT],
        [EXAMPLE_WORKER_FILE, WORKER_TEXT],
      ] as const;
      // Both are checked first, so a refusal writes nothing.
      for (const [name] of files) {
        if (existsSync(join(dir, name))) throw new CliError(`${join(dir, name)} already exists; pulseboard init does not overwrite`);
      }
      const written: string[] = [];
      for (const [name, text] of files) {
        try {
          // 'wx': never overwrite what a user already has.
          writeFileSync(join(dir, name), text, { flag: 'wx' });
          written.push(name);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') throw new CliError(`${join(dir, name)} already exists; init writes only into a folder without it${written.length ? ` (wrote ${written.join(', ')})` : ''}`);
          throw new CliError(`cannot write ${join(dir, name)}: ${(err as Error).message}`);
        }
      }
      process.stdout.write(
        `wrote ${written.join(' and ')} in ${dir}\n\nnext, in this folder:\n` +
          `  npx pulseboard serve                                     # API, dashboard and dispatcher on http://127.0.0.1:7420\n` +
          `  npx pulseboard task add "hello world" --assignee ${EXAMPLE_PROFILE}   # in a second terminal; the example worker runs it\n`,
      );
    });
}
