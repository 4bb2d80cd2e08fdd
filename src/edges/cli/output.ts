import { outputWidth, paint, styleOfWord, useColor } from './terminal.js';

/** How the CLI prints: JSON for machines, aligned tables for people that fit the terminal. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type Cell = string | number | boolean | null | undefined;

export interface TableOptions {
  /** Total width to fit; null for none. */
  width?: number | null;
  /** Columns whose words are coloured by meaning (state, status, outcome). */
  colored?: number[];
  color?: boolean;
}

const MIN_SHRUNK_WIDTH = 6;

/**
 * Columns padded to their widest cell. Too wide for `width`, the widest columns give way first (cut
 * with …) down to a few characters; the last column is left ragged so long titles need no padding.
 */
export function formatTable(headers: string[], rows: Cell[][], opts: TableOptions = {}): string {
  const text = [headers, ...rows.map((row) => headers.map((_, column) => cellText(row[column])))];
  const widths = headers.map((_, column) => Math.max(...text.map((row) => (row[column] ?? '').length)));
  if (opts.width) fitWidths(widths, headers, opts.width);
  const colored = new Set(opts.colored ?? []);
  return text
    .map((row, index) =>
      row
        .map((cell, column) => {
          const width = widths[column] ?? 0;
          const cut = truncate(cell, width);
          const padded = column === row.length - 1 ? cut : cut.padEnd(width);
          if (index === 0) return paint(padded, 'bold', opts.color ?? false);
          return colored.has(column) ? paint(padded, styleOfWord(cell), opts.color ?? false) : padded;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function fitWidths(widths: number[], headers: string[], total: number): void {
  const gaps = 2 * (widths.length - 1);
  for (;;) {
    const used = widths.reduce((sum, w) => sum + w, 0) + gaps;
    if (used <= total) return;
    let widest = 0;
    for (let column = 1; column < widths.length; column++) if ((widths[column] ?? 0) > (widths[widest] ?? 0)) widest = column;
    const floor = Math.max(MIN_SHRUNK_WIDTH, headers[widest]?.length ?? 0);
    const current = widths[widest] ?? 0;
    if (current <= floor) return;
    widths[widest] = Math.max(floor, current - (used - total));
  }
}

export function printTable(headers: string[], rows: Cell[][], empty = '(none)', colored: number[] = []): void {
  if (rows.length === 0) return void process.stdout.write(`${empty}\n`);
  process.stdout.write(`${formatTable(headers, rows, { width: outputWidth(), colored, color: useColor() })}\n`);
}

/** "key  value" lines, aligned. */
export function printFields(fields: [string, Cell][]): void {
  const width = Math.max(...fields.map(([key]) => key.length));
  for (const [key, value] of fields) process.stdout.write(`${key.padEnd(width)}  ${cellText(value)}\n`);
}

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  return String(cell).replace(/\s+/g, ' ');
}

/** Seconds as a short duration: 42s, 5m, 3h, 2d. */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Epoch seconds as UTC ISO time without milliseconds. */
export function formatTime(epochSeconds: number | null | undefined): string {
  if (epochSeconds === null || epochSeconds === undefined) return '-';
  return new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function truncate(text: string, max: number): string {
  if (max <= 0) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
