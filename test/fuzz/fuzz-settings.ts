import type fc from 'fast-check';

/** Fixed seed and bounded runs, so CI replays the same cases; FUZZ_RUNS / FUZZ_SEED widen a run by hand. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 1414);
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 0);

export function fuzzParameters(runs: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: FUZZ_RUNS > 0 ? FUZZ_RUNS : runs, endOnFailure: true };
}
