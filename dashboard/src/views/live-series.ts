/** The live chart's points: loaded windows merged with the `aggregate` events that follow, apart from the DOM for tests. */
import type { AgentHistoryPoint, AgentSummary, AggregateEvent, WindowResult } from '../types.js';

/** One window of one (key, metric) as the chart plots it (`start`: window start, ms since the epoch). */
export type WindowPoint = Omit<AggregateEvent, 'key' | 'metric' | 'window'>;

export interface SeriesSelection {
  key: string;
  metric: string;
  /** Window size in ms. */
  windowMs: number;
}

/** Points kept per chart; older ones scroll out. */
export const MAX_CHART_POINTS = 300;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a window size given as ms or as a duration string (`500ms`, `10s`, `1m`, `1h`, `7d`); undefined if neither. */
export function windowSizeMs(size: string | number | null | undefined): number | undefined {
  if (typeof size === 'number') return Number.isFinite(size) && size > 0 ? size : undefined;
  if (typeof size !== 'string') return undefined;
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m|h|d)?\s*$/.exec(size);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
  return ms > 0 ? ms : undefined;
}

/** A row of `GET /v1/aggregates` as a chart point. */
export function pointFromWindow(row: WindowResult): WindowPoint {
  return { start: row.window_start, count: row.count, min: row.min, max: row.max, mean: row.mean, last: row.last, p50: row.p50, p95: row.p95 };
}

/** An `aggregate` event as a chart point, or undefined when it belongs to another series or is malformed. */
export function pointFromEvent(event: AggregateEvent, selection: SeriesSelection): WindowPoint | undefined {
  if (event.key !== selection.key || event.metric !== selection.metric) return undefined;
  if (windowSizeMs(event.window) !== selection.windowMs) return undefined;
  if (![event.start, event.min, event.max, event.mean].every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
  const { key: _key, metric: _metric, window: _window, ...point } = event;
  return point;
}

/**
 * The points with one window added: a window already present is replaced (the aggregator rewrites a window as
 * records arrive), a new one is inserted in start order, and only the newest `maxPoints` are kept.
 * Returns the same array when nothing changed, so a chart can skip redrawing.
 */
export function mergePoint(points: readonly WindowPoint[], point: WindowPoint, maxPoints: number = MAX_CHART_POINTS): readonly WindowPoint[] {
  const last = points[points.length - 1];
  let next: WindowPoint[];
  if (last === undefined || point.start > last.start) {
    next = [...points, point];
  } else {
    const index = lowerBound(points, point.start);
    const found = points[index];
    if (found !== undefined && found.start === point.start) {
      if (samePoint(found, point)) return points;
      next = points.slice();
      next[index] = point;
    } else {
      // A window older than everything kept would be trimmed at once.
      if (index === 0 && points.length >= maxPoints) return points;
      next = points.slice();
      next.splice(index, 0, point);
    }
  }
  return next.length > maxPoints ? next.slice(next.length - maxPoints) : next;
}

/** Merges many points (e.g. a loaded page) into the kept ones. */
export function mergePoints(points: readonly WindowPoint[], incoming: readonly WindowPoint[], maxPoints: number = MAX_CHART_POINTS): readonly WindowPoint[] {
  let merged = points;
  for (const point of incoming) merged = mergePoint(merged, point, maxPoints);
  return merged;
}

/** Index of the first point starting at or after `start` (points are in start order). */
function lowerBound(points: readonly WindowPoint[], start: number): number {
  let low = 0;
  let high = points.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (points[mid]!.start < start) low = mid + 1;
    else high = mid;
  }
  return low;
}

function samePoint(a: WindowPoint, b: WindowPoint): boolean {
  return a.count === b.count && a.min === b.min && a.max === b.max && a.mean === b.mean && a.last === b.last && a.p50 === b.p50 && a.p95 === b.p95;
}

/** Points kept in an agent's rate history (the hub keeps 120 reports). */
export const MAX_HISTORY_POINTS = 120;

/**
 * An agent's history with the point of its newest summary appended, when that summary is from a report newer than
 * the last point (`lastSeen` advances with each report). Returns the same array when there is nothing new.
 */
export function appendHistory(history: readonly AgentHistoryPoint[], agent: AgentSummary, maxPoints: number = MAX_HISTORY_POINTS): readonly AgentHistoryPoint[] {
  if (agent.lastSeen === null || agent.rates === null || agent.state !== 'online') return history;
  const last = history[history.length - 1];
  if (last !== undefined && agent.lastSeen <= last.ts) return history;
  const point: AgentHistoryPoint = {
    ts: agent.lastSeen,
    in: agent.rates.in,
    out: agent.rates.out,
    bufferRecords: agent.buffer?.records ?? 0,
    lagRecords: agent.lag?.records ?? 0,
  };
  const next = [...history, point];
  return next.length > maxPoints ? next.slice(next.length - maxPoints) : next;
}
