/** A time-series chart (uPlot) of window statistics: mean line with a min..max band, or mean and p95. */
import { useMemo, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import type { WindowPoint } from '../views/live-series.js';
import { formatValue } from './format.js';
import { CHART_COLORS, useUplot } from './uplot-chart.js';

export type ChartMode = 'band' | 'p95';

export interface TimeChartProps {
  points: readonly WindowPoint[];
  mode: ChartMode;
  height?: number;
  testId?: string;
}

/** The chart; its wrapper's `data-points` is the number of windows plotted. */
export function TimeChart({ points, mode, height = 320, testId = 'time-chart' }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const data = useMemo<uPlot.AlignedData>(() => {
    const xs = points.map((p) => p.start);
    const mean = points.map((p) => p.mean);
    if (mode === 'band') return [xs, points.map((p) => p.max), points.map((p) => p.min), mean];
    return [xs, mean, points.map((p) => p.p95)];
  }, [points, mode]);
  useUplot(
    container,
    (width) => ({
      width,
      height,
      ms: 1,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: CHART_COLORS.axis, grid: { stroke: CHART_COLORS.grid, width: 1 }, ticks: { stroke: CHART_COLORS.grid } },
        { stroke: CHART_COLORS.axis, grid: { stroke: CHART_COLORS.grid, width: 1 }, ticks: { stroke: CHART_COLORS.grid }, size: 60, values: (_u, values) => values.map((v) => formatValue(v)) },
      ],
      series:
        mode === 'band'
          ? [
              { label: 'window start' },
              { label: 'max', stroke: CHART_COLORS.band, width: 1, value: (_u, v) => formatValue(v), points: { show: false } },
              { label: 'min', stroke: CHART_COLORS.band, width: 1, value: (_u, v) => formatValue(v), points: { show: false } },
              { label: 'mean', stroke: CHART_COLORS.line, width: 2, value: (_u, v) => formatValue(v) },
            ]
          : [
              { label: 'window start' },
              { label: 'mean', stroke: CHART_COLORS.line, width: 2, value: (_u, v) => formatValue(v) },
              { label: 'p95', stroke: CHART_COLORS.p95, width: 1.5, dash: [6, 4], value: (_u, v) => formatValue(v) },
            ],
      ...(mode === 'band' ? { bands: [{ series: [1, 2] as [number, number], fill: CHART_COLORS.band }] } : {}),
    }),
    data,
    `${mode}:${height}`,
  );
  return <div class="time-chart" data-testid={testId} data-points={points.length} ref={container} />;
}
