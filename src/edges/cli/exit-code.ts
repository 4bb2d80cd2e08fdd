import { CommanderError } from 'commander';
import { ConfigError } from '../../config/config-error.js';
import { PulseboardError } from '../../core/errors.js';
import { ApiError, ConnectionError } from '../../sdk/api-error.js';
import { CliError } from './cli-error.js';

/** 0 ok, 1 the request failed (not found, conflict, refused, server down), 2 usage. */
export type ExitCode = 0 | 1 | 2;

export interface Failure {
  code: ExitCode;
  /** One line for stderr; null when commander already printed what there is to say (help). */
  line: string | null;
}

/** Commander's own answers that are not failures. */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.version']);
const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'host name lookup failed',
};

/** What any error thrown while running a verb means for the user and the exit status. */
export function describeFailure(err: unknown, usageHint: string): Failure {
  if (err instanceof CommanderError) {
    if (COMMANDER_OK.has(err.code)) return { code: 0, line: null };
    // A verb without its sub-verb: commander has printed the help on stderr.
    if (err.code === 'commander.help') return { code: 2, line: null };
    const message = err.message
      .replace(/^error: /, '')
      .replace(/\s*\n\s*/g, ' ')
      .replace(/^command-argument value '(.*)' is invalid for argument '(.*)'\. /s, (_, value: string, name: string) => `${name} '${value}': `);
    return { code: 2, line: `${message} (see ${usageHint} --help)` };
  }
  if (err instanceof ApiError) return { code: err.status === 400 ? 2 : 1, line: err.detail };
  if (err instanceof ConnectionError) {
    return { code: 1, line: `cannot reach ${err.url}: ${socketReason(err)} — is pulseboard serve running?` };
  }
  if (err instanceof CliError) return { code: err.exitCode, line: err.message };
  if (err instanceof ConfigError) return { code: 2, line: err.message.replace(/\s*\n\s*/g, '; ') };
  if (err instanceof PulseboardError) return { code: 1, line: err.message };
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES') return { code: 1, line: listenFailure(err as NodeJS.ErrnoException) };
  const text = err instanceof Error ? err.message : String(err);
  return { code: 1, line: `internal error: ${text} (PULSEBOARD_DEBUG=1 prints the stack)` };
}

function socketReason(err: ConnectionError): string {
  for (let cause: unknown = err.cause; cause instanceof Error; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && SOCKET_ERRORS[code]) return SOCKET_ERRORS[code];
    if (cause.name === 'TimeoutError' || cause.name === 'AbortError') return 'timed out';
  }
  return err.message.replace(/^cannot reach Pulseboard at \S+: /, '');
}

function listenFailure(err: NodeJS.ErrnoException & { address?: string; port?: number }): string {
  const where = err.port === undefined ? 'the address' : `${err.address ?? ''}:${err.port}`;
  if (err.code === 'EADDRINUSE') {
    return `cannot listen on ${where}: already in use (another pulseboard serve?) — pick another with --port or PULSEBOARD_PORT`;
  }
  return `cannot listen on ${where}: permission denied — ports below 1024 need privileges; pick another with --port`;
}
