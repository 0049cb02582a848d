/**
 * What the aggregate API answers, as plain types with no imports: the query routes and the live
 * feed produce them, and the dashboard (bundled for the browser) reads them.
 */

/** One window's statistics (`GET /v1/aggregates`). */
export interface WindowResult {
  key: string;
  metric: string;
  window_ms: number;
  window_start: number;
  /** Exclusive end: window_start + window_ms. */
  window_end: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  /** The value with the largest ts in the window. */
  last: number;
  last_ts: number;
  /** Within 1 % (relative) of the exact percentile. */
  p50: number;
  p95: number;
  /** Wall-clock time the aggregator last wrote this window. */
  updated_at: number;
}

/** The newest value of one (device key, metric) (`GET /v1/latest`). */
export interface LatestValue {
  key: string;
  metric: string;
  value: number;
  ts: number;
}

/** The live feed's `aggregate` event: one window as the aggregator just committed it. */
export interface AggregateEvent {
  key: string;
  metric: string;
  /** The window size as configured, e.g. "10s". */
  window: string;
  /** Window start, ms since the epoch. */
  start: number;
  count: number;
  min: number;
  max: number;
  mean: number;
  last: number;
  p50: number;
  p95: number;
}
