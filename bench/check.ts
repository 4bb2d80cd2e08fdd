/**
 * `npm run bench:check [-- result.json] [--baseline file] [--tolerance 0.2]`
 * Compares the ratios (Pulseboard vs its peers, higher is better) of a result with the recorded
 * baseline; exits 1 when any ratio fell by more than the tolerance. Ratios, not absolute figures, so a
 * slower or busier machine does not read as a regression.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './results.js';

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { baseline: { type: 'string' }, tolerance: { type: 'string' } },
});
const resultPath = positionals[0] ?? `${resultsDir}latest.json`;
const baselinePath = values.baseline ?? `${resultsDir}baseline.json`;
const tolerance = Number(values.tolerance ?? 0.2);

function load(file: string, what: string): BenchResult {
  if (!existsSync(file)) {
    console.error(`no ${what} at ${file}${what === 'baseline' ? ' (copy a good result there: cp bench/results/latest.json bench/results/baseline.json)' : ' (run npm run bench first)'}`);
    process.exit(2);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
}

const current = load(resultPath, 'result');
const baseline = load(baselinePath, 'baseline');
let regressions = 0;
let compared = 0;
for (const [name, before] of Object.entries(baseline.ratios)) {
  const now = current.ratios[name];
  if (now === undefined) {
    console.log(`SKIP  ${name}: not in this result`);
    continue;
  }
  compared++;
  const change = now / before - 1;
  const regressed = change < -tolerance;
  if (regressed) regressions++;
  console.log(`${regressed ? 'FAIL' : 'ok  '}  ${name}: ${before.toFixed(2)}x -> ${now.toFixed(2)}x (${change >= 0 ? '+' : ''}${(change * 100).toFixed(0)}%)`);
}
console.log(`\n${compared} ratios compared with ${baselinePath}, ${regressions} regressed by more than ${(tolerance * 100).toFixed(0)}%`);
process.exit(regressions > 0 ? 1 : compared === 0 ? 2 : 0);
