import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../../core/metrics.js';
import type { DataRecord } from '../../../core/record.js';
import { aggregateSettings, type AggregateSettings } from '../../../hub/aggregate/config.js';
import { PartitionAggregator, type OffsetRecord } from '../../../hub/aggregate/engine.js';
import { AggregateQueries } from '../../../hub/aggregate/query.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { expectedAggregates, makeRecords, openHubDb, storedAggregates } from './aggregate-harness.js';

const T0 = 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000); // an hour boundary

function at(records: [key: string, ts: number, value: DataRecord['value']][], firstOffset = 0): OffsetRecord[] {
  return records.map(([key, ts, value], i) => ({ offset: firstOffset + i, record: { key, ts, value, attrs: {} } }));
}

describe('PartitionAggregator', () => {
  let dir: ReturnType<typeof tempDir>;
  let hub: ReturnType<typeof openHubDb>;
  beforeEach(() => {
    dir = tempDir();
    hub = openHubDb(dir.path);
  });
  afterEach(() => {
    hub.store.close();
    dir.remove();
  });

  const aggregator = (settings: AggregateSettings, partition = 0, metrics?: Metrics) =>
    new PartitionAggregator(hub.db, settings, { partition, committedOffset: hub.committed(partition), ...(metrics ? { metrics } : {}) });

  it('puts a record in the window [start, start + size): the start is inclusive, the end exclusive', () => {
    const settings = aggregateSettings({ windows: ['10s', '1m'], allowed_lateness_ms: 3_600_000 });
    const engine = aggregator(settings);
    engine.process(at([['d', T0, 1], ['d', T0 + 9_999, 2], ['d', T0 + 10_000, 4], ['d', T0 - 1, 8], ['d', T0 + 59_999, 16], ['d', T0 + 60_000, 32]]));
    engine.flush(hub.writeOffset(0));
    const queries = new AggregateQueries(hub.db, settings.windowsMs);
    const tenSeconds = queries.queryWindows({ key: 'd', window_ms: '10s' }).map((w) => [w.window_start - T0, w.count, w.sum]);
    expect(tenSeconds).toEqual([[-10_000, 1, 8], [0, 2, 3], [10_000, 1, 4], [50_000, 1, 16], [60_000, 1, 32]]);
    const minutes = queries.queryWindows({ key: 'd', window_ms: 60_000 }).map((w) => [w.window_start - T0, w.window_end - T0, w.count, w.sum]);
    expect(minutes).toEqual([[-60_000, 0, 1, 8], [0, 60_000, 4, 23], [60_000, 120_000, 1, 32]]);
  });

  it('processBatch applies a batch from the position on: the part read before is skipped, not counted again', () => {
    const settings = aggregateSettings({ windows: ['1h'], allowed_lateness_ms: 3_600_000 });
    const metrics = new Metrics();
    const engine = aggregator(settings, 0, metrics);
    const batch = (base: number): DataRecord[] => [1, 2, 4, 8].map((v, i) => ({ key: 'd', ts: T0 + base + i, value: v, attrs: {} }));
    engine.processBatch(0, batch(0));
    engine.processBatch(2, batch(2)); // offsets 2..5: 2 and 3 were applied already
    expect(engine.position).toBe(6);
    engine.flush(hub.writeOffset(0));
    const [row] = new AggregateQueries(hub.db, settings.windowsMs).queryWindows({ key: 'd', window_ms: '1h' });
    expect(row).toMatchObject({ count: 6, sum: 1 + 2 + 4 + 8 + 4 + 8 });
    expect(metrics.total('tributary_aggregate_records_total')).toBe(6);
    expect(metrics.total('tributary_aggregate_duplicate_records_total')).toBe(0);
  });

  it('computes count, sum, min, max, mean and last exactly, and p50/p95 within 1 %', () => {
    const settings = aggregateSettings({ windows: ['1h'], allowed_lateness_ms: 3_600_000 });
    const engine = aggregator(settings);
    const values = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) / 10 - 20);
    // Event times out of order; the largest ts is shared by two records: the later offset wins "last".
    const records = at(values.map((v, i) => ['d', T0 + ((i * 37) % 1000) * 1000, { t: v }]));
    records.push(...at([['d', T0 + 999_000, { t: 123.5 }]], 1000));
    engine.process(records.slice(0, 400));
    engine.flush(hub.writeOffset(0));
    engine.process(records.slice(400));
    engine.flush(hub.writeOffset(0));
    const all = [...values, 123.5];
    const [row] = new AggregateQueries(hub.db, settings.windowsMs).queryWindows({ key: 'd', metric: 't', window_ms: '1h' });
    let sum = 0;
    for (const r of records) sum += (r.record.value as { t: number }).t;
    expect(row).toMatchObject({ window_start: T0, count: 1001, sum, min: Math.min(...all), max: Math.max(...all), mean: sum / 1001, last: 123.5, last_ts: T0 + 999_000 });
    const sorted = [...all].sort((a, b) => a - b);
    for (const [q, estimate] of [[0.5, row!.p50], [0.95, row!.p95]] as const) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
      expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(0.01 * Math.abs(exact));
    }
  });

  it('aggregates every numeric top-level field by default, or only the configured paths', () => {
    const value = { temperature_c: 21.5, humidity: 40, ok: true, label: 'x', env: { pressure_hpa: 1013 }, list: [1, 2] };
    const byDefault = aggregator(aggregateSettings({ windows: ['1m'] }));
    byDefault.process(at([['a', T0, value], ['b', T0, 7.5]]));
    byDefault.flush(hub.writeOffset(0));
    const queries = new AggregateQueries(hub.db, [60_000]);
    expect(queries.latestValues().map((v) => [v.key, v.metric, v.value])).toEqual([['a', 'humidity', 40], ['a', 'temperature_c', 21.5], ['b', 'value', 7.5]]);

    const configured = new PartitionAggregator(hub.db, aggregateSettings({ windows: ['1m'], metrics: ['value.env.pressure_hpa', 'value.missing'] }), { partition: 1, committedOffset: 0 });
    configured.process(at([['c', T0, value]]));
    configured.flush(hub.writeOffset(1));
    expect(queries.latestValues({ key: 'c' }).map((v) => [v.metric, v.value])).toEqual([['env.pressure_hpa', 1013]]);
  });

  it('applies a record behind the newest one by less than the allowed lateness, and counts later ones as late without applying them', () => {
    const metrics = new Metrics();
    const settings = aggregateSettings({ windows: ['10s', '1m'], allowed_lateness_ms: 5_000 });
    const engine = aggregator(settings, 0, metrics);
    engine.process(at([['d', T0 + 1_000, 1], ['d', T0 + 12_000, 2]]));
    engine.flush(hub.writeOffset(0));
    // Watermark 12000 − 5000 = 7000: the window [0, 10000) is still open, so the stored row is updated.
    engine.process(at([['d', T0 + 3_000, 4]], 2));
    engine.flush(hub.writeOffset(0));
    const queries = new AggregateQueries(hub.db, settings.windowsMs);
    expect(queries.queryWindows({ window_ms: '10s', from: T0, to: T0 + 10_000 })).toMatchObject([{ count: 2, sum: 5, last: 4, last_ts: T0 + 3_000 }]);
    // Watermark 16000 − 5000 = 11000 ≥ 10000: [0, 10000) is closed; the 1m window is still open.
    engine.process(at([['d', T0 + 16_000, 8], ['d', T0 + 4_000, 16], ['d', T0 + 5_000, 32]], 3));
    engine.flush(hub.writeOffset(0));
    expect(queries.queryWindows({ window_ms: '10s', from: T0, to: T0 + 10_000 })).toMatchObject([{ count: 2, sum: 5 }]);
    expect(queries.queryWindows({ window_ms: '1m' })).toMatchObject([{ window_start: T0, count: 6, sum: 63 }]);
    expect(queries.lateCounts()).toEqual([{ key: 'd', metric: 'value', window_ms: 10_000, count: 2 }]);
    expect(metrics.get('tributary_aggregate_late_records_total', { partition: '0', window: '10s' })).toBe(2);
    expect(metrics.get('tributary_aggregate_late_records_total', { partition: '0', window: '1m' })).toBe(0);
    expect(metrics.get('tributary_aggregate_records_total', { partition: '0' })).toBe(6);
    expect(hub.committed(0)).toBe(6);
  });

  it('restores the partition\'s watermark on restart: a record late before the restart is late after it', () => {
    const settings = aggregateSettings({ windows: ['10s'], allowed_lateness_ms: 60_000 });
    const first = aggregator(settings);
    first.process(at([['e', T0 + 1_000, 2], ['d', T0 + 100_000, 1]]));
    first.flush(hub.writeOffset(0));
    hub.store.close();
    hub = openHubDb(dir.path);
    const second = aggregator(settings);
    expect(second.watermark).toBe(T0 + 40_000);
    second.process(at([['e', T0 + 2_000, 4]], 2));
    second.flush(hub.writeOffset(0));
    const queries = new AggregateQueries(hub.db, settings.windowsMs);
    expect(queries.queryWindows({ key: 'e', window_ms: '10s' })).toMatchObject([{ count: 1, sum: 2 }]);
    expect(queries.lateCounts()).toEqual([{ key: 'e', metric: 'value', window_ms: 10_000, count: 1 }]);
  });

  it('skips records below its position (a re-fetch after a retry) instead of counting them twice', () => {
    const metrics = new Metrics();
    const settings = aggregateSettings({ windows: ['1m'] });
    const engine = aggregator(settings, 0, metrics);
    const records = at([['d', T0, 1], ['d', T0 + 1, 2], ['d', T0 + 2, 3]]);
    engine.process(records.slice(0, 2));
    engine.process(records);
    engine.flush(hub.writeOffset(0));
    expect(new AggregateQueries(hub.db, settings.windowsMs).queryWindows({ window_ms: '1m' })).toMatchObject([{ count: 3, sum: 6 }]);
    expect(metrics.get('tributary_aggregate_duplicate_records_total', { partition: '0' })).toBe(2);
  });

  it('evicts closed windows from memory once they are stored', () => {
    const settings = aggregateSettings({ windows: ['10s'], allowed_lateness_ms: 0 });
    const engine = aggregator(settings);
    engine.process(at(Array.from({ length: 100 }, (_, i) => ['d', T0 + i * 10_000, i] as [string, number, number])));
    expect(engine.openWindows).toBe(100);
    engine.flush(hub.writeOffset(0));
    expect(engine.openWindows).toBe(1);
    expect(hub.db.prepare('SELECT count(*) FROM aggregate_windows').pluck().get()).toBe(100);
  });

  describe('exactly once with respect to the committed offset', () => {
    const settings = aggregateSettings({ windows: ['10s', '1m', '1h'], allowed_lateness_ms: 60_000 });
    const records = makeRecords(3000, { seed: 7, keys: ['s1', 's2', 's3', 's4', 's5'] });
    const expected = expectedAggregates(records, settings);

    it('the model has late records and windows updated late (the test covers them)', () => {
      expect([...expected.late.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
      expect(records.some((r, i) => i > 0 && r.record.ts < records[i - 1]!.record.ts - 10_000)).toBe(true);
    });

    it('an uninterrupted run stores exactly the model (flushing through the log store\'s transaction)', () => {
      const engine = new PartitionAggregator(hub.db, settings, { partition: 0, committedOffset: 0, transaction: (fn) => hub.store.transaction(fn) });
      for (let i = 0; i < records.length; i += 250) {
        engine.process(records.slice(i, i + 250));
        engine.flush(hub.writeOffset(0));
      }
      expect(storedAggregates(hub.db)).toEqual(expected);
    });

    it('crashes (unflushed work dropped, database closed and reopened) and resumes from the committed offset: every window exact', () => {
      const crashAfterChunks = [3, 7, 8, 15, 22];
      let engine = aggregator(settings);
      let chunk = 0;
      let crashes = 0;
      let from = 0;
      while (from < records.length) {
        engine.process(records.slice(from, from + 100));
        from += 100;
        chunk += 1;
        if (crashAfterChunks.includes(chunk)) {
          // Processed (in memory) but not flushed: lost with the process.
          crashes += 1;
          hub.store.close();
          hub = openHubDb(dir.path);
          engine = aggregator(settings);
          from = hub.committed(0);
          expect(from % 100).toBe(0);
        } else if (chunk % 3 === 0) {
          engine.flush(hub.writeOffset(0));
        }
      }
      engine.flush(hub.writeOffset(0));
      expect(crashes).toBe(crashAfterChunks.length);
      expect(hub.committed(0)).toBe(records.length);
      expect(storedAggregates(hub.db)).toEqual(expected);
    });

    it('a failure inside the flush transaction (the offset writer throws) rolls everything back; resuming gives exact windows', () => {
      let engine = aggregator(settings);
      let failures = 0;
      const failAt = new Set([1000, 2000, 2800]);
      for (let from = 0; from < records.length; ) {
        engine.process(records.slice(from, from + 200));
        from += 200;
        if (failAt.delete(from)) {
          const before = storedAggregates(hub.db);
          const committed = hub.committed(0);
          const writeOffset = hub.writeOffset(0);
          expect(() => engine.flush((db, next) => {
            writeOffset(db, next);
            throw new Error('lease lost');
          })).toThrow('lease lost');
          failures += 1;
          // Nothing of the failed flush is stored; the engine went back to the committed offset.
          expect(storedAggregates(hub.db)).toEqual(before);
          expect(hub.committed(0)).toBe(committed);
          expect(engine.position).toBe(committed);
          if (failures === 2) {
            hub.store.close();
            hub = openHubDb(dir.path);
            engine = aggregator(settings);
          }
          from = engine.position;
        } else {
          engine.flush(hub.writeOffset(0));
        }
      }
      engine.flush(hub.writeOffset(0));
      expect(failures).toBe(3);
      expect(storedAggregates(hub.db)).toEqual(expected);
    });

    it('two aggregators on different partitions write the same tables without clobbering each other', () => {
      const other = makeRecords(2000, { seed: 99, keys: ['t1', 't2', 't3'], startTs: 1_700_000_900_000 });
      const expectedOther = expectedAggregates(other, settings);
      const a = aggregator(settings, 0);
      const b = aggregator(settings, 1);
      for (let i = 0; i < 3000; i += 150) {
        a.process(records.slice(i, i + 150));
        b.process(other.slice(i, i + 150));
        b.flush(hub.writeOffset(1));
        a.flush(hub.writeOffset(0));
      }
      const stored = storedAggregates(hub.db);
      // Partition 1's event times are 15 minutes ahead: its watermark must not make partition 0's records late.
      expect(stored.windows).toEqual(new Map([...expected.windows, ...expectedOther.windows]));
      expect(stored.late).toEqual(new Map([...expected.late, ...expectedOther.late]));
      expect([hub.committed(0), hub.committed(1)]).toEqual([3000, 2000]);
    });
  });
});
