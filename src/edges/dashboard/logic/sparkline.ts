/**
 * The points of an inline SVG polyline for the last minute of a figure: x by time across the window,
 * y from zero to a fifth above the window's own peak, so a steady figure is a level line below the top
 * (a floor keeps an idle process a flat line near zero, not noise blown up).
 */
export function sparklinePoints(
  values: readonly number[],
  at: readonly number[],
  opts: { width: number; height: number; windowSeconds: number; now: number; floor: number },
): string {
  if (values.length === 0) return '';
  const peak = Math.max(opts.floor, ...values) * 1.2;
  const start = opts.now - opts.windowSeconds;
  const points: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const x = ((((at[i] as number) - start) / opts.windowSeconds) * opts.width);
    const y = opts.height - ((values[i] as number) / peak) * (opts.height - 1) - 0.5;
    points.push(`${round(Math.max(0, Math.min(opts.width, x)))},${round(y)}`);
  }
  // One reading is a dot's worth of line, so the first sample already shows.
  if (points.length === 1) points.unshift(`${round(Math.max(0, Number(points[0]?.split(',')[0]) - 2))},${points[0]?.split(',')[1]}`);
  return points.join(' ');
}

function round(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}
