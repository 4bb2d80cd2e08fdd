/** A mistake the user can fix or a request that failed; printed as one line, without a stack trace. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  /** 1: the request failed; 2: the command line was wrong (see exit-code.ts). */
  readonly exitCode: 1 | 2 = 1;
}

/** An argument or flag the command cannot use: exit code 2, like an unknown verb. */
export class UsageError extends CliError {
  override readonly name = 'UsageError';
  override readonly exitCode = 2;
}
