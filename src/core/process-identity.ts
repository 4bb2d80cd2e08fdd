/** Start times are known to a clock tick (10 ms); two ticks of slack absorbs float rounding. */
export const START_TIME_TOLERANCE_SECONDS = 0.02;

/** Whether a process read now is the one whose start time was recorded: a pid alone is not a process. */
export function startTimesMatch(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= START_TIME_TOLERANCE_SECONDS + 1e-9;
}
