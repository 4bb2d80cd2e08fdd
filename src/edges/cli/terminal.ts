/** What the CLI may assume about where its output goes. */

/** Colour only for a person at a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

/** The width tables must fit: the terminal's, else $COLUMNS, else none (a pipe gets whole lines). */
export function outputWidth(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): number | null {
  if (stream.isTTY === true && stream.columns > 0) return stream.columns;
  const columns = Number(env['COLUMNS']);
  return Number.isInteger(columns) && columns > 0 ? columns : null;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2, inverse: 7 } as const;
export type Style = keyof typeof CODES;

export function paint(text: string, style: Style | null, enabled: boolean): string {
  return enabled && style !== null && text !== '' ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
}

/** The colour of a state, status or outcome word wherever it is shown. */
export function styleOfWord(word: string): Style | null {
  switch (word) {
    case 'ok':
    case 'healthy':
    case 'done':
    case 'completed':
    case 'running':
      return 'green';
    case 'stuck':
    case 'over_runtime':
    case 'failed':
    case 'crashed':
    case 'gave_up':
    case 'spawn_failed':
    case 'blocked':
      return 'red';
    case 'stale':
    case 'lease_expiring':
    case 'timed_out':
    case 'reclaimed':
    case 'terminated':
      return 'yellow';
    case 'unknown':
    case 'archived':
      return 'gray';
    case 'ready':
      return 'cyan';
    default:
      return null;
  }
}
