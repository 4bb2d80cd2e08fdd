import { sparklineArea, sparklinePoints } from '../logic/sparkline.js';
import type { SparklineScale } from '../logic/sparkline.js';
import { HISTORY_SECONDS } from '../logic/runs.js';

/** Drawing units; the shown width comes from CSS (narrower at 1024), the line keeps its stroke. */
const WIDTH = 72;
const HEIGHT = 18;

/** The last minute of one figure as an inline SVG line over a faint track: no chart instance per row. */
export function Sparkline(props: { values: readonly number[]; at: readonly number[]; now: number; label: string } & Pick<SparklineScale, 'base' | 'floor'>) {
  const points = sparklinePoints(props.values, props.at, {
    width: WIDTH,
    height: HEIGHT,
    windowSeconds: HISTORY_SECONDS,
    now: props.now,
    floor: props.floor,
    ...(props.base ? { base: props.base } : {}),
  });
  return (
    <svg
      class="spark"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={props.label}
      data-points={props.values.length}
    >
      <title>{props.label}</title>
      <rect class="spark-track" x="0" y="0" width={WIDTH} height={HEIGHT} rx="2" />
      {points && <polygon class="spark-area" points={sparklineArea(points, HEIGHT)} />}
      {points && <polyline points={points} vector-effect="non-scaling-stroke" />}
    </svg>
  );
}
