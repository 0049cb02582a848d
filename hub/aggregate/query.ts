import type Database from 'better-sqlite3';
import { TributaryError } from '../../core/errors.js';
import { describeWindows } from './config.js';
import { durationMs, formatDuration } from './duration.js';
import { QuantileSketch } from './sketch.js';
import { ensureAggregateSchema } from './store.js';
import type { LatestValue, WindowResult } from './results.js';
import type { WindowRow } from './window-state.js';

export type { LatestValue, WindowResult } from './results.js';

/** Parameters of `queryWindows`; numbers may come as strings (HTTP query parameters). */
export interface WindowQuery {
  /** Device key; absent = every device. */
  key?: string;
  /** Metric name (the field path without `value.`); absent = every metric. */
  metric?: string;
  /** Window size: ms, or a duration string like "1m"; must be one of the configured sizes. */
  window_ms: number | string;
  /** Windows starting at or after this time (ms since the epoch); default 0. */
  from?: number | string;
  /** Windows starting before this time (ms since the epoch, exclusive); default: no bound. */
  to?: number | string;
  /** Most rows returned (1..10000); default 1000. */
  limit?: number | string;
}

/** Records counted as late (not applied) per (device key, metric, window size). */
export interface LateCount {
  key: string;
  metric: string;
  window_ms: number;
  count: number;
}

interface WindowParams {
  windowMs: number;
  from: number;
  to: number;
  key?: string;
  metric?: string;
  limit: number;
}

export const DEFAULT_QUERY_LIMIT = 1000;
export const MAX_QUERY_LIMIT = 10_000;

/** Read side of the aggregator's tables, for the HTTP API and tools. Errors are ERR_AGGREGATE_QUERY with what to change. */
export class AggregateQueries {
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly windowsMs: readonly number[],
  ) {
    ensureAggregateSchema(db);
    this.statements = {
      // One statement per filter combination, so SQLite can pick the by-key index when a key is given.
      windows: [false, true].map((byKey) => [false, true].map((byMetric) => db.prepare<[WindowParams], WindowRow>(`SELECT * FROM aggregate_windows
        WHERE ${byKey ? 'key = @key AND ' : ''}${byMetric ? 'metric = @metric AND ' : ''}window_ms = @windowMs AND window_start >= @from AND window_start < @to
        ORDER BY window_start, key, metric LIMIT @limit`))),
      latest: db.prepare<[{ key: string | null }], LatestValue>('SELECT key, metric, value, ts FROM aggregate_latest WHERE (@key IS NULL OR key = @key) ORDER BY key, metric'),
      series: db.prepare<[], { key: string; metric: string }>('SELECT key, metric FROM aggregate_latest ORDER BY key, metric'),
      late: db.prepare<[{ key: string | null }], LateCount>('SELECT key, metric, window_ms, count FROM aggregate_late WHERE (@key IS NULL OR key = @key) ORDER BY key, metric, window_ms'),
    };
  }

  /** Window statistics of one window size in a time range, oldest first (then by key and metric). */
  queryWindows(query: WindowQuery): WindowResult[] {
    const windowMs = this.windowSize(query.window_ms);
    const from = integerParam('from', query.from, 0);
    const to = integerParam('to', query.to, Number.MAX_SAFE_INTEGER);
    if (to < from) throw queryError(`to (${to}) is before from (${from}): give a range with from <= to`);
    const limit = integerParam('limit', query.limit, DEFAULT_QUERY_LIMIT);
    if (limit < 1 || limit > MAX_QUERY_LIMIT) throw queryError(`limit must be between 1 and ${MAX_QUERY_LIMIT}, got ${limit}`);
    const key = textParam('key', query.key);
    const metric = textParam('metric', query.metric);
    const statement = this.statements.windows[key === undefined ? 0 : 1]![metric === undefined ? 0 : 1]!;
    const rows = statement.all({ windowMs, from, to, limit, ...(key === undefined ? {} : { key }), ...(metric === undefined ? {} : { metric }) });
    return rows.map(toResult);
  }

  /** The newest value of every metric of one device (or of every device). */
  latestValues(query: { key?: string } = {}): LatestValue[] {
    return this.statements.latest.all({ key: textParam('key', query.key) ?? null });
  }

  /** Every (device key, metric) aggregated so far, and the configured window sizes ("10s", "1m"): what a chart can show. */
  series(): { series: { key: string; metric: string }[]; windows: string[] } {
    return { series: this.statements.series.all(), windows: this.windowsMs.map(formatDuration) };
  }

  /** Late record counts of one device (or of every device). */
  lateCounts(query: { key?: string } = {}): LateCount[] {
    return this.statements.late.all({ key: textParam('key', query.key) ?? null });
  }

  private windowSize(raw: number | string | undefined): number {
    if (raw === undefined || raw === '') throw queryError(`window_ms is required: one of ${describeWindows([...this.windowsMs])}`);
    let ms: number;
    try {
      ms = typeof raw === 'string' && /^[0-9]+$/.test(raw.trim()) ? Number(raw) : durationMs(raw);
    } catch {
      throw queryError(`window_ms ${JSON.stringify(raw)} is not a window size: use one of ${describeWindows([...this.windowsMs])}`);
    }
    if (!this.windowsMs.includes(ms)) throw queryError(`no ${ms} ms windows are aggregated: use one of ${describeWindows([...this.windowsMs])} (aggregate.windows in the hub config)`);
    return ms;
  }
}

function toResult(row: WindowRow): WindowResult {
  const sketch = QuantileSketch.fromBytes(row.sketch);
  // The sketch's bins are approximate; the exact min and max bound them.
  const clamp = (v: number | undefined) => Math.min(row.max, Math.max(row.min, v ?? row.min));
  return {
    key: row.key,
    metric: row.metric,
    window_ms: row.window_ms,
    window_start: row.window_start,
    window_end: row.window_start + row.window_ms,
    count: row.count,
    sum: row.sum,
    min: row.min,
    max: row.max,
    mean: row.sum / row.count,
    last: row.last,
    last_ts: row.last_ts,
    p50: clamp(sketch.quantile(0.5)),
    p95: clamp(sketch.quantile(0.95)),
    updated_at: row.updated_at,
  };
}

function integerParam(name: string, raw: number | string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : /^-?[0-9]+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw queryError(`${name} must be an integer (milliseconds since the epoch for from/to), got ${JSON.stringify(raw)}`);
  return n;
}

function textParam(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw === '') throw queryError(`${name} must be a non-empty string, got ${JSON.stringify(raw)}`);
  return raw;
}

function queryError(message: string): TributaryError {
  return new TributaryError('ERR_AGGREGATE_QUERY', message);
}
