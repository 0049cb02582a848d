/** The lifecycle of a uPlot chart in a preact component: create once, feed data, follow the container's width. */
import { useEffect, useRef } from 'preact/hooks';
import type { RefObject } from 'preact';
import uPlot from 'uplot';

/** Colours of the charts (canvas drawing cannot read CSS variables cheaply; these match styles.css). */
export const CHART_COLORS = {
  line: '#1f5fbf',
  band: 'rgba(31, 95, 191, 0.14)',
  p95: '#b3541e',
  second: '#2e8540',
  grid: '#e3e6ea',
  axis: '#5b6470',
};

/**
 * Mounts a uPlot chart into `container`, built by `options(width)`; `data` updates it in place. The chart is rebuilt
 * only when `rebuildKey` changes (series or band layout), so live updates are a cheap `setData`.
 */
export function useUplot(container: RefObject<HTMLElement | null>, options: (width: number) => uPlot.Options, data: uPlot.AlignedData, rebuildKey: string): void {
  const chart = useRef<uPlot | undefined>(undefined);
  const dataRef = useRef(data);
  dataRef.current = data;
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const width = Math.max(element.clientWidth, 100);
    const plot = new uPlot(optionsRef.current(width), dataRef.current, element);
    chart.current = plot;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      // One resize per frame: a window drag fires many.
      frame = requestAnimationFrame(() => {
        const next = Math.max(element.clientWidth, 100);
        if (next !== plot.width) plot.setSize({ width: next, height: plot.height });
      });
    });
    observer.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      plot.destroy();
      chart.current = undefined;
    };
  }, [container, rebuildKey]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);
}
