import { describe, expect, it } from 'vitest';
import type { AgentSummary, AggregateEvent, WindowResult } from '../../../dashboard/src/types.js';
import { groupLag } from '../../../dashboard/src/views/group-lag.js';
import { appendHistory, mergePoint, mergePoints, pointFromEvent, pointFromWindow, windowSizeMs, type WindowPoint } from '../../../dashboard/src/views/live-series.js';

function point(start: number, mean = start / 1000): WindowPoint {
  return { start, count: 1, min: mean, max: mean, mean, last: mean, p50: mean, p95: mean };
}

const starts = (points: readonly WindowPoint[]) => points.map((p) => p.start);

describe('windowSizeMs', () => {
  it('reads durations and ms, and rejects anything else', () => {
    expect(windowSizeMs('10s')).toBe(10_000);
    expect(windowSizeMs('1m')).toBe(60_000);
    expect(windowSizeMs('500ms')).toBe(500);
    expect(windowSizeMs('2h')).toBe(7_200_000);
    expect(windowSizeMs(10_000)).toBe(10_000);
    expect(windowSizeMs('10000')).toBe(10_000);
    for (const bad of ['', '10 parsecs', '-1s', '0s', 0, Number.NaN, null, undefined]) expect(windowSizeMs(bad)).toBeUndefined();
  });
});

describe('mergePoint', () => {
  it('appends a newer window', () => {
    expect(starts(mergePoint([point(0), point(10)], point(20)))).toEqual([0, 10, 20]);
  });

  it('replaces a window the aggregator rewrote', () => {
    const merged = mergePoint([point(0), point(10)], { ...point(10), count: 5, mean: 42 });
    expect(starts(merged)).toEqual([0, 10]);
    expect(merged[1]!.mean).toBe(42);
    expect(merged[1]!.count).toBe(5);
  });

  it('returns the same array when nothing changed, so the chart need not redraw', () => {
    const points = [point(0), point(10)];
    expect(mergePoint(points, point(10))).toBe(points);
  });

  it('inserts a late window in start order', () => {
    expect(starts(mergePoint([point(0), point(20)], point(10)))).toEqual([0, 10, 20]);
    expect(starts(mergePoint([point(10), point(20)], point(0)))).toEqual([0, 10, 20]);
  });

  it('keeps only the newest windows, ignoring one older than all of a full chart', () => {
    const full = [point(10), point(20), point(30)];
    expect(starts(mergePoint(full, point(40), 3))).toEqual([20, 30, 40]);
    expect(mergePoint(full, point(0), 3)).toBe(full);
  });

  it('merges a loaded page and the live events that came during the load, newest data winning', () => {
    const loaded = [point(0), point(10), { ...point(20), count: 1 }];
    const early = [{ ...point(20), count: 3 }, point(30)];
    const merged = mergePoints(mergePoints([], loaded), early);
    expect(starts(merged)).toEqual([0, 10, 20, 30]);
    expect(merged[2]!.count).toBe(3);
  });
});

describe('points from the API', () => {
  const selection = { key: 'dev-1', metric: 'temp', windowMs: 10_000 };
  const event: AggregateEvent = { key: 'dev-1', metric: 'temp', window: '10s', start: 50_000, count: 4, min: 1, max: 9, mean: 5, last: 6, p50: 5, p95: 8.5 };

  it('takes an aggregate event of the selected series', () => {
    expect(pointFromEvent(event, selection)).toEqual({ start: 50_000, count: 4, min: 1, max: 9, mean: 5, last: 6, p50: 5, p95: 8.5 });
  });

  it('ignores events of another key, metric or window size, and malformed ones', () => {
    expect(pointFromEvent({ ...event, key: 'dev-2' }, selection)).toBeUndefined();
    expect(pointFromEvent({ ...event, metric: 'humidity' }, selection)).toBeUndefined();
    expect(pointFromEvent({ ...event, window: '1m' }, selection)).toBeUndefined();
    expect(pointFromEvent({ ...event, mean: null as unknown as number }, selection)).toBeUndefined();
  });

  it('takes a window row of GET /v1/aggregates', () => {
    const row: WindowResult = { key: 'dev-1', metric: 'temp', window_ms: 10_000, window_start: 40_000, window_end: 50_000, count: 2, sum: 10, min: 4, max: 6, mean: 5, last: 6, last_ts: 49_000, p50: 5, p95: 6, updated_at: 50_001 };
    expect(pointFromWindow(row)).toEqual({ start: 40_000, count: 2, min: 4, max: 6, mean: 5, last: 6, p50: 5, p95: 6 });
  });
});

describe('appendHistory', () => {
  const summary = (lastSeen: number | null, state: AgentSummary['state'] = 'online'): AgentSummary => ({
    id: 'a',
    state,
    lastSeen,
    version: '1',
    flow: null,
    buffer: { records: 7, bytes: 70, partitions: [] },
    lag: { records: 3, seconds: 1 },
    rates: { in: 12, out: 11 },
    totals: null,
    drops: {},
    dropsTotal: 0,
    errorsTotal: 0,
    sources: [],
    forwardState: null,
  });
  const history = [{ ts: 1000, in: 1, out: 1, bufferRecords: 0, lagRecords: 0 }];

  it('adds the point of a newer report', () => {
    expect(appendHistory(history, summary(6000))).toEqual([...history, { ts: 6000, in: 12, out: 11, bufferRecords: 7, lagRecords: 3 }]);
  });

  it('adds nothing for the same report seen again, an offline agent, or one that never reported', () => {
    expect(appendHistory(history, summary(1000))).toBe(history);
    expect(appendHistory(history, summary(9000, 'offline'))).toBe(history);
    expect(appendHistory(history, summary(null))).toBe(history);
  });

  it('keeps at most the newest points', () => {
    const long = Array.from({ length: 120 }, (_, i) => ({ ts: i, in: 0, out: 0, bufferRecords: 0, lagRecords: 0 }));
    const next = appendHistory(long, summary(500));
    expect(next).toHaveLength(120);
    expect(next[0]!.ts).toBe(1);
    expect(next[119]!.ts).toBe(500);
  });
});

describe('groupLag', () => {
  it('sums lag records and takes the largest lag time', () => {
    const partition = (lag_records: number, lag_ms: number) => ({ partition: 0, log_start: 0, log_end: 0, lag_records, lag_ms });
    expect(groupLag({ partitions: [partition(5, 100), partition(7, 2500), partition(0, 0)] })).toEqual({ records: 12, maxMs: 2500 });
    expect(groupLag({ partitions: [] })).toEqual({ records: 0, maxMs: 0 });
  });
});
