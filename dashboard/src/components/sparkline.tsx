/** A small line chart (uPlot) with its label and latest value: trends at a glance, no axes. */
import { useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { CHART_COLORS, useUplot } from './uplot-chart.js';

export interface SparklineProps {
  label: string;
  /** Timestamps, ms, ascending. */
  xs: readonly number[];
  ys: readonly (number | null)[];
  /** Text of the latest value. */
  format: (value: number | null | undefined) => string;
  color?: string;
  height?: number;
  testId?: string;
}

/** A labelled sparkline; `data-points` on the wrapper is the number of points plotted. */
export function Sparkline({ label, xs, ys, format, color = CHART_COLORS.line, height = 44, testId = 'sparkline' }: SparklineProps) {
  const container = useRef<HTMLDivElement>(null);
  const data = useMemo<uPlot.AlignedData>(() => [xs.slice(), ys.slice()], [xs, ys]);
  useUplot(
    container,
    (width) => ({
      width,
      height,
      ms: 1,
      legend: { show: false },
      cursor: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true }, y: { range: (_u, min, max) => (min === max ? [Math.min(0, min), max === 0 ? 1 : max * 1.1] : [Math.min(0, min), max * 1.05]) } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: color, width: 1.5, fill: `${color}1f`, points: { show: false } }],
    }),
    data,
    `${height}:${color}`,
  );
  const latest = ys.length === 0 ? undefined : ys[ys.length - 1];
  return (
    <div class="sparkline" data-testid={testId} data-points={xs.length} data-label={label}>
      <div class="sparkline-head">
        <span class="sparkline-label">{label}</span>
        <span class="sparkline-value">{format(latest)}</span>
      </div>
      <div class="sparkline-canvas" ref={container} />
    </div>
  );
}
