import type { BenchResult } from './results.js';
import { isFailure } from './results.js';

function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function grid(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The whole result as plain-text tables: absolute figures first, then ratios, then targets. */
export function renderTables(result: BenchResult): string {
  const out: string[] = [];
  const ks = result.config.concurrencies;
  const graphile = result.throughput['graphile-worker'];
  out.push(`## Throughput (${fmt(result.config.tasks)} no-op tasks, median of ${result.config.runs}; tasks/s; x = vs graphile-worker)`);
  const rows: string[][] = [];
  for (const [system, entry] of Object.entries(result.throughput)) {
    if (isFailure(entry)) {
      rows.push([system, ...ks.map(() => 'error'), entry.error.slice(0, 40)]);
      continue;
    }
    const cells = ks.map((k) => {
      const atK = entry.find((r) => r.concurrency === k);
      const base = graphile && !isFailure(graphile) ? graphile.find((r) => r.concurrency === k)?.tasks_per_s : undefined;
      if (!atK) return '-';
      const ratio = base ? ` (${fmt(atK.tasks_per_s / base, 2)}x)` : '';
      return `${fmt(atK.tasks_per_s)}${atK.capped ? '*' : ''}${ratio}`;
    });
    const enqueue = entry[0] ? `${fmt(entry[0].enqueue_per_s)}/s` : '-';
    rows.push([system, ...cells, enqueue]);
  }
  out.push(grid(['system', ...ks.map((k) => `K=${k}`), 'enqueue'], rows));
  out.push('(* = stopped at the cap before all tasks were done)');

  out.push('', `## Pick-up latency (enqueue -> handler start, ${result.config.latency_samples} samples, idle workers)`);
  out.push(
    grid(
      ['system', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'lost'],
      Object.entries(result.latency).map(([system, r]) =>
        isFailure(r) ? [system, 'error', r.error.slice(0, 40), '', '', ''] : [system, fmt(r.p50_ms, 2), fmt(r.p95_ms, 2), fmt(r.p99_ms, 2), fmt(r.max_ms, 2), String(r.lost)],
      ),
    ),
  );

  out.push('', `## Crash to re-run (kill -9 mid-task -> another worker starts it; default settings; cap ${result.config.crash_cap_seconds} s)`);
  out.push(
    grid(
      ['system', 'seconds', 'note'],
      Object.entries(result.crash).map(([system, r]) =>
        isFailure(r) ? [system, 'error', r.error.slice(0, 80)] : [system, r.seconds === null ? `> ${r.cap_seconds}` : fmt(r.seconds, 3), r.note ?? ''],
      ),
    ),
  );

  if (result.visibility) {
    out.push('', '## Visibility at scale (Pulseboard on SQLite)');
    if (isFailure(result.visibility)) out.push(`error: ${result.visibility.error}`);
    else out.push(grid(['measure', 'value'], Object.entries(result.visibility).map(([k, v]) => [k, typeof v === 'number' ? fmt(v, 2) : String(v)])));
  }

  const ratioRows = Object.entries(result.ratios).map(([name, value]) => [name, `${fmt(value, 2)}x`]);
  if (ratioRows.length > 0) out.push('', '## Ratios (higher is better for Pulseboard)', grid(['ratio', 'value'], ratioRows));

  out.push('', '## Targets');
  out.push(grid(['target', 'value', 'wanted', ''], result.targets.map((t) => [t.name, fmt(t.value, 3), t.target, t.pass ? 'PASS' : 'MISS'])));
  return out.join('\n');
}
