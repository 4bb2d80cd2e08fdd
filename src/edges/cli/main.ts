import type { Command } from 'commander';
import { describeFailure } from './exit-code.js';
import { createProgram } from './program.js';

/** Runs the CLI; every failure is one line on stderr and exit code 1 (request failed) or 2 (usage). */
export async function main(argv: string[] = process.argv): Promise<void> {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const program = createProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const failure = describeFailure(err, usageHint(program, argv));
    if (failure.line !== null) process.stderr.write(`pulseboard: ${failure.line}\n`);
    if (process.env['PULSEBOARD_DEBUG'] === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = failure.code;
  }
}

/** `pulseboard task show … | head -3`: the reader left, so there is nobody to tell; stop quietly. */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

/** "pulseboard task ls" for `pulseboard task ls --bad`: the verbs of the command line that exist. */
function usageHint(program: Command, argv: string[]): string {
  const path = [program.name()];
  let command = program;
  for (const word of argv.slice(2)) {
    const sub = command.commands.find((c) => c.name() === word);
    if (sub === undefined) break;
    path.push(word);
    command = sub;
  }
  return path.join(' ');
}

await main();
