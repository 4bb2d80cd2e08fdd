export interface SparklineScale {
  width: number;
  height: number;
  /** The longest history shown (the last minute). */
  windowSeconds: number;
  now: number;
  /**
   * zero: y from zero to a fifth above the window's peak, at least `floor` (CPU %: an idle process is a
   * flat line near zero, not noise blown up). own: y over the window's own range, at least `floor` wide
   * (RSS: a steady process is a level line in the middle, and a leak of `floor` or more fills the
   * height, where from zero it would be a flat line along the top).
   */
  base?: 'zero' | 'own';
  floor: number;
}

/** A history shorter than this still spans only part of the width: two readings are not a trend. */
export const MIN_SPAN_SECONDS = 10;

/**
 * Seconds of history the x axis spans: the whole window once the history is that long; before that
 * (a page just opened, a run just started) the history's own length, so its line is readable at once
 * rather than a few pixels at the right edge.
 */
export function sparklineSpan(at: readonly number[], now: number, windowSeconds: number): number {
  const first = at[0];
  if (first === undefined) return windowSeconds;
  return Math.min(windowSeconds, Math.max(MIN_SPAN_SECONDS, now - first));
}

/** The points of an inline SVG polyline for the last minute of a figure, x by time. */
export function sparklinePoints(values: readonly number[], at: readonly number[], opts: SparklineScale): string {
  if (values.length === 0) return '';
  const { low, high } = yRange(values, opts);
  const span = sparklineSpan(at, opts.now, opts.windowSeconds);
  const start = opts.now - span;
  const points: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const x = (((at[i] as number) - start) / span) * opts.width;
    const y = opts.height - (((values[i] as number) - low) / (high - low)) * (opts.height - 1) - 0.5;
    points.push(`${round(Math.max(0, Math.min(opts.width, x)))},${round(y)}`);
  }
  // One reading is a dot's worth of line, so the first sample already shows.
  if (points.length === 1) points.unshift(`${round(Math.max(0, Number(points[0]?.split(',')[0]) - 2))},${points[0]?.split(',')[1]}`);
  return points.join(' ');
}

/** The polyline closed down to the bottom edge, for a faint fill under the line. */
export function sparklineArea(points: string, height: number): string {
  if (points === '') return '';
  const xs = points.split(' ').map((p) => p.split(',')[0]);
  return `${xs[0]},${height} ${points} ${xs[xs.length - 1]},${height}`;
}

function yRange(values: readonly number[], opts: SparklineScale): { low: number; high: number } {
  const peak = Math.max(...values);
  if (opts.base !== 'own') return { low: 0, high: Math.max(opts.floor, peak) * 1.2 };
  const least = Math.min(...values);
  const span = Math.max(opts.floor, peak - least) * 1.2;
  const low = Math.max(0, (peak + least) / 2 - span / 2);
  return { low, high: low + span };
}

function round(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}
