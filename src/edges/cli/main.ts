import { ConfigError } from '../../config/config-error.js';
import { PulseboardError } from '../../core/errors.js';
import { ApiError, ConnectionError } from '../../sdk/api-error.js';
import { CliError } from './cli-error.js';
import { createProgram } from './program.js';

/** Runs the CLI; a known kind of failure prints one line and sets exit code 1. */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`pulseboard: ${describe(err)}\n`);
    process.exitCode = 1;
  }
}

function describe(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof ConnectionError || err instanceof CliError || err instanceof ConfigError) return err.message;
  if (err instanceof PulseboardError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

await main();
