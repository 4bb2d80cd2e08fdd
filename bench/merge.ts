/**
 * `npm run bench:merge -- <out.json> <result.json>...`: one result whose figures are the medians of
 * several runs of the same command, its ratios computed afresh from those medians.
 *
 * Why: on a shared machine a peer's figure can swing 2-3x between runs minutes apart while nothing in
 * either system changed, so one run's ratio against a baseline says more about the machine than the
 * code. Runs of the old and the new code taken in turns (old, new, old, new, ...) and merged per side
 * give two results that bench:check can compare.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { BenchResult, CrashResult, Failure } from './results.js';
import { isFailure } from './results.js';
import type { ThroughputAtK } from './sections/throughput.js';
import type { LatencyResult } from './sections/latency.js';
import { checkTargets, computeRatios } from './ratios.js';
import { median } from './stats.js';

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error('usage: bench:merge <out.json> <result.json>...');
  process.exit(2);
}
const results = inputs.map((file) => JSON.parse(readFileSync(file, 'utf8')) as BenchResult);
const first = results[0] as BenchResult;
const differing = results.filter((r) => JSON.stringify(r.config) !== JSON.stringify(first.config));
if (differing.length > 0) {
  console.error(`bench:merge: ${differing.length} of ${results.length} results ran with another config than ${inputs[0]}`);
  process.exit(2);
}

/** Every system's entries, failures left out; a system that failed in every run stays a failure. */
function entries<T extends object>(pick: (r: BenchResult) => Record<string, T | Failure>): Map<string, { ok: T[]; failure?: Failure }> {
  const bySystem = new Map<string, { ok: T[]; failure?: Failure }>();
  for (const r of results) {
    for (const [system, entry] of Object.entries(pick(r))) {
      const slot = bySystem.get(system) ?? { ok: [] };
      if (isFailure(entry)) slot.failure = entry;
      else slot.ok.push(entry as T);
      bySystem.set(system, slot);
    }
  }
  return bySystem;
}

function mergeThroughput(runs: ThroughputAtK[][]): ThroughputAtK[] {
  return first.config.concurrencies.flatMap((k) => {
    const atK = runs.map((r) => r.find((x) => x.concurrency === k)).filter((x): x is ThroughputAtK => x !== undefined);
    if (atK.length === 0) return [];
    const enqueue_s = median(atK.map((x) => x.enqueue_s));
    return [
      {
        concurrency: k,
        tasks_per_s: median(atK.map((x) => x.tasks_per_s)),
        enqueue_s,
        enqueue_per_s: first.config.tasks / enqueue_s,
        capped: atK.some((x) => x.capped),
        runs: atK.flatMap((x) => x.runs),
      },
    ];
  });
}

function mergeLatency(runs: LatencyResult[]): LatencyResult {
  const of = (key: keyof LatencyResult): number => median(runs.map((r) => r[key]));
  return { samples: of('samples'), p50_ms: of('p50_ms'), p95_ms: of('p95_ms'), p99_ms: of('p99_ms'), max_ms: of('max_ms'), lost: Math.max(...runs.map((r) => r.lost)) };
}

function mergeVisibility(): BenchResult['visibility'] {
  const ok = results.map((r) => r.visibility).filter((v): v is Record<string, number | string | null> => v !== null && !isFailure(v));
  if (ok.length === 0) return results.find((r) => r.visibility !== null)?.visibility ?? null;
  const merged: Record<string, number | string | null> = {};
  for (const key of Object.keys(ok[0] as object)) {
    const numbers = ok.map((v) => v[key]).filter((x): x is number => typeof x === 'number');
    merged[key] = numbers.length > 0 ? median(numbers) : ((ok[0] as Record<string, number | string | null>)[key] ?? null);
  }
  return merged;
}

/** The median time to re-run; a run with none within the cap counts as slower than any that had one. */
function mergeCrash(): BenchResult['crash'] {
  const merged: BenchResult['crash'] = {};
  for (const [system, { ok, failure }] of entries<CrashResult>((r) => r.crash)) {
    if (ok.length === 0) {
      merged[system] = failure as Failure;
      continue;
    }
    const seconds = median(ok.map((r) => r.seconds ?? Infinity));
    merged[system] = { seconds: Number.isFinite(seconds) ? seconds : null, cap_seconds: (ok[0] as CrashResult).cap_seconds };
  }
  return merged;
}

const merged: BenchResult = {
  ...first,
  finished_at: results[results.length - 1]?.finished_at ?? first.finished_at,
  command: `bench:merge of ${results.length} runs of: ${first.command}`,
  throughput: {},
  latency: {},
  crash: mergeCrash(),
  visibility: mergeVisibility(),
};
for (const [system, { ok, failure }] of entries<ThroughputAtK[]>((r) => r.throughput)) {
  merged.throughput[system] = ok.length > 0 ? mergeThroughput(ok) : (failure as Failure);
}
for (const [system, { ok, failure }] of entries<LatencyResult>((r) => r.latency)) {
  merged.latency[system] = ok.length > 0 ? mergeLatency(ok) : (failure as Failure);
}
merged.ratios = computeRatios(merged);
merged.targets = checkTargets(merged);
writeFileSync(out, `${JSON.stringify(merged, null, 2)}\n`);
console.log(`${out}: medians of ${results.length} runs, ${Object.keys(merged.ratios).length} ratios`);
