import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHubConfigText } from '../../../hub/config/load.js';
import { aggregateSettings, retentionMs } from '../../../hub/aggregate/config.js';
import { durationMs, formatDuration } from '../../../hub/aggregate/duration.js';
import { PartitionAggregator } from '../../../hub/aggregate/engine.js';
import { AggregateQueries } from '../../../hub/aggregate/query.js';
import { deleteExpiredWindows } from '../../../hub/aggregate/store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { openHubDb } from './aggregate-harness.js';

const T0 = 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000);

describe('aggregate settings', () => {
  it('defaults to windows 10s, 1m, 1h, every numeric field, 60 s lateness, one member', () => {
    expect(aggregateSettings()).toEqual({ enabled: true, windowsMs: [10_000, 60_000, 3_600_000], allowedLatenessMs: 60_000, retention: { minAgeMs: 7 * 86_400_000, minWindows: 10_000 }, members: 1 });
  });

  it('reads the hub config section: durations as strings or ms, metric paths, sorted unique windows', () => {
    const config = loadHubConfigText('aggregate:\n  windows: [1h, 5000, "5s"]\n  metrics: [value.temperature_c, value.env.humidity]\n  allowed_lateness_ms: 0\n', 'hub.yaml');
    const settings = aggregateSettings(config.aggregate);
    expect(settings.windowsMs).toEqual([5000, 3_600_000]);
    expect(settings.metrics).toEqual([{ name: 'temperature_c', path: ['temperature_c'] }, { name: 'env.humidity', path: ['env', 'humidity'] }]);
    expect(config.aggregate?.retention).toEqual({ min_age: '7d', min_windows: 10_000 });
  });

  it('refuses a window that is not a duration and a metric that is not a value path, naming the key', () => {
    expect(() => loadHubConfigText('aggregate:\n  windows: [10 seconds]\n', 'hub.yaml')).toThrow(/aggregate\.windows\[0\]/);
    expect(() => loadHubConfigText('aggregate:\n  metrics: [temperature_c]\n', 'hub.yaml')).toThrow(/aggregate\.metrics\[0\]/);
    expect(() => durationMs('1w')).toThrow(expect.objectContaining({ code: 'ERR_AGGREGATE_CONFIG' }));
    expect(() => aggregateSettings({ metrics: ['value.'] })).toThrow(expect.objectContaining({ code: 'ERR_AGGREGATE_CONFIG' }));
  });

  it('formats and parses durations both ways', () => {
    expect(['500ms', '10s', '1m', '1h', '7d', '90s'].map((d) => formatDuration(durationMs(d)))).toEqual(['500ms', '10s', '1m', '1h', '7d', '90s']);
  });

  it('keeps larger windows longer: max(min_age, min_windows × size)', () => {
    const settings = aggregateSettings();
    expect(settings.windowsMs.map((ms) => retentionMs(settings, ms) / 86_400_000)).toEqual([7, 7, 10_000 / 24]);
  });
});

describe('AggregateQueries', () => {
  let dir: ReturnType<typeof tempDir>;
  let hub: ReturnType<typeof openHubDb>;
  const settings = aggregateSettings({ windows: ['10s', '1m'], allowed_lateness_ms: 3_600_000 });
  let queries: AggregateQueries;
  beforeEach(() => {
    dir = tempDir();
    hub = openHubDb(dir.path);
    const engine = new PartitionAggregator(hub.db, settings, { partition: 0, committedOffset: 0 });
    let offset = 0;
    for (let i = 0; i < 30; i++) {
      for (const key of ['a', 'b']) engine.process([{ offset: offset++, record: { key, ts: T0 + i * 2_000, value: { t: i, h: 100 - i }, attrs: {} } }]);
    }
    engine.flush(hub.writeOffset(0));
    queries = new AggregateQueries(hub.db, settings.windowsMs);
  });
  afterEach(() => {
    hub.store.close();
    dir.remove();
  });

  it('filters by key, metric and time range [from, to) and returns the statistics with mean and percentiles', () => {
    const rows = queries.queryWindows({ key: 'a', metric: 't', window_ms: 10_000, from: T0 + 10_000, to: T0 + 30_000 });
    expect(rows.map((r) => [r.window_start - T0, r.count, r.min, r.max, r.mean, r.last])).toEqual([[10_000, 5, 5, 9, 7, 9], [20_000, 5, 10, 14, 12, 14]]);
    expect(rows[0]).toMatchObject({ key: 'a', metric: 't', window_ms: 10_000, window_end: T0 + 20_000, sum: 35 });
    // Exact p50 and p95 of 5..9 (lower percentile): 7 and 8; the sketch is within 1 %.
    expect(Math.abs(rows[0]!.p50 - 7)).toBeLessThanOrEqual(0.07);
    expect(Math.abs(rows[0]!.p95 - 8)).toBeLessThanOrEqual(0.08);
  });

  it('accepts HTTP-style string parameters and orders oldest first, then key, then metric; limit caps the rows', () => {
    const rows = queries.queryWindows({ window_ms: '1m', from: String(T0), limit: '3' });
    expect(rows.map((r) => [r.key, r.metric, r.count])).toEqual([['a', 'h', 30], ['a', 't', 30], ['b', 'h', 30]]);
  });

  it('explains bad parameters: unknown window sizes list the configured ones', () => {
    const fails = (query: Parameters<AggregateQueries['queryWindows']>[0], message: RegExp) =>
      expect(() => queries.queryWindows(query)).toThrow(expect.objectContaining({ code: 'ERR_AGGREGATE_QUERY', message: expect.stringMatching(message) }));
    fails({ window_ms: '1h' }, /no 3600000 ms windows are aggregated: use one of 10000 \(10s\), 60000 \(1m\)/);
    fails({ window_ms: 'soon' }, /window_ms "soon" is not a window size: use one of 10000 \(10s\), 60000 \(1m\)/);
    fails({ window_ms: '' }, /window_ms is required/);
    fails({ window_ms: '10s', from: 'yesterday' }, /from must be an integer/);
    fails({ window_ms: '10s', from: 10, to: 5 }, /to \(5\) is before from \(10\)/);
    fails({ window_ms: '10s', limit: 0 }, /limit must be between 1 and 10000/);
    fails({ window_ms: '10s', key: '' }, /key must be a non-empty string/);
  });

  it('returns the latest value of each metric per device', () => {
    expect(queries.latestValues({ key: 'b' })).toEqual([{ key: 'b', metric: 'h', value: 71, ts: T0 + 58_000 }, { key: 'b', metric: 't', value: 29, ts: T0 + 58_000 }]);
    expect(queries.latestValues()).toHaveLength(4);
  });

  it('deletes windows past their retention and keeps younger ones', () => {
    const short = aggregateSettings({ windows: ['10s', '1m'], retention: { min_age: '1h', min_windows: 1 } });
    expect(deleteExpiredWindows(hub.db, short, T0 + 10_000 + 3_600_000 - 1)).toBe(0);
    // An hour after the end of [40000, 50000): the five 10s windows up to it go; the 1m window ends later.
    expect(deleteExpiredWindows(hub.db, short, T0 + 50_000 + 3_600_000)).toBe(2 * 2 * 5);
    expect(queries.queryWindows({ window_ms: '10s' }).map((r) => r.window_start - T0)).toEqual([50_000, 50_000, 50_000, 50_000]);
    expect(queries.queryWindows({ window_ms: '1m' })).toHaveLength(4);
  });
});
