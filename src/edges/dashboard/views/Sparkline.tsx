import { sparklinePoints } from '../logic/sparkline.js';
import { HISTORY_SECONDS } from '../logic/runs.js';

const WIDTH = 48;
const HEIGHT = 16;

/** The last minute of one figure as an inline SVG line: no chart instance per row. */
export function Sparkline(props: { values: readonly number[]; at: readonly number[]; now: number; floor: number; label: string }) {
  const points = sparklinePoints(props.values, props.at, {
    width: WIDTH,
    height: HEIGHT,
    windowSeconds: HISTORY_SECONDS,
    now: props.now,
    floor: props.floor,
  });
  return (
    <svg class="spark" width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.label} data-points={props.values.length}>
      {points && <polyline points={points} />}
    </svg>
  );
}
