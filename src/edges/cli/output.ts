/** How the CLI prints: JSON for machines, compact aligned tables for people. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export type Cell = string | number | boolean | null | undefined;

/** Columns padded to their widest cell; the last column is left ragged so long titles need no padding. */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const text = [headers, ...rows.map((row) => row.map(cellText))];
  const widths = headers.map((_, column) => Math.max(...text.map((row) => (row[column] ?? '').length)));
  return text
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function printTable(headers: string[], rows: Cell[][], empty = '(none)'): void {
  process.stdout.write(rows.length === 0 ? `${empty}\n` : `${formatTable(headers, rows)}\n`);
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

/** Epoch seconds as local ISO-like time without milliseconds. */
export function formatTime(epochSeconds: number | null | undefined): string {
  if (epochSeconds === null || epochSeconds === undefined) return '-';
  return new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
