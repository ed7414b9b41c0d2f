import type { RateSample } from '../hooks/use-status.js';
import { rate } from '../format/time.js';

const WIDTH = 240;
const HEIGHT = 48;
const PAD = 3;

function points(values: number[], max: number, slots: number): string {
  const step = (WIDTH - 2 * PAD) / Math.max(1, slots - 1);
  const offset = slots - values.length;
  return values
    .map((v, i) => {
      const x = PAD + (offset + i) * step;
      const y = HEIGHT - PAD - (v / max) * (HEIGHT - 2 * PAD);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

/** Sent and received changes per second over the last minute, drawn as two lines. */
export function Sparkline({ samples, slots = 60 }: { samples: RateSample[]; slots?: number }) {
  const push = samples.map((s) => s.push);
  const pull = samples.map((s) => s.pull);
  const max = Math.max(1, ...push, ...pull);
  const last = samples[samples.length - 1];
  const label = last
    ? `Changes per second over the last minute: sending ${rate(last.push)}, receiving ${rate(last.pull)}; peak ${rate(max)}.`
    : 'No activity measured yet.';
  return (
    <figure className="sparkline">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={label}
        data-testid="rate-chart"
      >
        <line
          className="sparkline-axis"
          x1={PAD}
          x2={WIDTH - PAD}
          y1={HEIGHT - PAD}
          y2={HEIGHT - PAD}
        />
        {samples.length > 1 && (
          <>
            <polyline className="sparkline-pull" points={points(pull, max, slots)} />
            <polyline className="sparkline-push" points={points(push, max, slots)} />
          </>
        )}
      </svg>
      <figcaption className="sparkline-legend" aria-hidden="true">
        <span className="legend-push">Sending</span>
        <span className="legend-pull">Receiving</span>
        <span className="legend-scale">
          {samples.some((s) => s.push > 0 || s.pull > 0) ? `peak ${rate(max)}` : 'no activity'}
        </span>
      </figcaption>
    </figure>
  );
}
