import { formatDuration } from './duration.js';
import type { AggregateEvent } from './results.js';
import type { WindowState } from './window-state.js';

/** A window's statistics as the aggregator just committed them: the live feed's `aggregate` event and the size in ms to filter on. */
export interface AggregateUpdate extends AggregateEvent {
  windowMs: number;
}

/** Called with the windows of each committed flush (after the transaction: they are durable). */
export type AggregateListener = (updates: readonly AggregateUpdate[]) => void;

/** The update for one committed window; percentiles within the exact min and max, as the query API gives them. */
export function windowUpdate(window: WindowState): AggregateUpdate {
  const clamp = (v: number | undefined) => Math.min(window.max, Math.max(window.min, v ?? window.min));
  return {
    key: window.key,
    metric: window.metric,
    window: formatDuration(window.windowMs),
    windowMs: window.windowMs,
    start: window.start,
    count: window.count,
    min: window.min,
    max: window.max,
    mean: window.sum / window.count,
    last: window.last,
    p50: clamp(window.sketch.quantile(0.5)),
    p95: clamp(window.sketch.quantile(0.95)),
  };
}
