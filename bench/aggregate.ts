/**
 * Aggregation throughput: records through a PartitionAggregator (3 numeric fields, windows 10s/1m/1h,
 * p50/p95 sketches, a durable flush with the consumed offset every `--flush` records), beside a
 * naive baseline (count and sum per key/metric/window in a Map, no sketch, no SQLite) in the same run.
 *
 *   npm run build && node dist/bench/aggregate.js [--records 1000000] [--keys 100] [--flush 10000]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeBatch, type StoredBatch } from '../core/log/batch.js';
import { SqliteLogStore } from '../core/log/sqlite-store.js';
import type { DataRecord } from '../core/record.js';
import { aggregateSettings } from '../hub/aggregate/config.js';
import { PartitionAggregator, batchRecords, type OffsetRecord } from '../hub/aggregate/engine.js';
import { formatTable, machineLine, rssMiB, tempDir } from './report.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, keys: { type: 'string', default: '100' }, flush: { type: 'string', default: '10000' } } });
const total = Number(values.records);
const keys = Number(values.keys);
const flushEvery = Number(values.flush);
const settings = aggregateSettings({ windows: ['10s', '1m', '1h'], allowed_lateness_ms: 60_000 });

function makeRecord(seq: number): DataRecord {
  // About 100 bytes encoded: ["sensor-07",1700000000123,{"seq":123,"t":21.5,"h":40.25,"s":"ok-xxxxxx"},{"src":"bench"}]
  return { key: `sensor-${String(seq % keys).padStart(2, '0')}`, ts: 1_700_000_000_000 + seq, value: { seq, t: 15 + (seq % 200) / 10, h: 40 + (seq % 37) / 4, s: 'ok-xxxxxx' }, attrs: { src: 'bench' } };
}

function naiveBaseline(records: OffsetRecord[]): number {
  const started = performance.now();
  const sums = new Map<string, { count: number; sum: number }>();
  for (const { record } of records) {
    const value = record.value as Record<string, unknown>;
    for (const field in value) {
      const v = value[field];
      if (typeof v !== 'number') continue;
      for (const size of settings.windowsMs) {
        const id = `${record.key}|${field}|${size}|${record.ts - (record.ts % size)}`;
        const s = sums.get(id);
        if (s === undefined) sums.set(id, { count: 1, sum: v });
        else {
          s.count += 1;
          s.sum += v;
        }
      }
    }
  }
  return (performance.now() - started) / 1000;
}

function aggregatorRun(dir: string, name: string, feed: (process: (chunk: OffsetRecord[]) => void) => void): { seconds: number; flushes: number; windows: number } {
  const store = new SqliteLogStore({ path: join(dir, `${name}.db`), partitions: 1 });
  const db = store.database;
  db.exec('CREATE TABLE offsets (partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL)');
  const saveOffset = db.prepare('INSERT OR REPLACE INTO offsets (partition, next_offset) VALUES (0, ?)');
  const aggregator = new PartitionAggregator(db, settings, { partition: 0, committedOffset: 0 });
  let flushes = 0;
  let sinceFlush = 0;
  const started = performance.now();
  feed((chunk) => {
    aggregator.process(chunk);
    sinceFlush += chunk.length;
    if (sinceFlush >= flushEvery) {
      aggregator.flush((_db, next) => void saveOffset.run(next));
      flushes += 1;
      sinceFlush = 0;
    }
  });
  aggregator.flush((_db, next) => void saveOffset.run(next));
  const seconds = (performance.now() - started) / 1000;
  const windows = db.prepare('SELECT count(*) FROM aggregate_windows').pluck().get() as number;
  store.close();
  return { seconds, flushes: flushes + 1, windows };
}

const dir = tempDir('tributary-bench-aggregate-');
try {
  console.log(`aggregation: ${total} records of ~100 bytes, ${keys} keys, 3 numeric fields, windows 10s/1m/1h, flush every ${flushEvery} records (WAL + synchronous=FULL)`);
  console.log(machineLine());
  const records: OffsetRecord[] = Array.from({ length: total }, (_, offset) => ({ offset, record: makeRecord(offset) }));
  const batches: Pick<StoredBatch, 'baseOffset' | 'body' | 'codec'>[] = [];
  for (let i = 0; i < total; i += 500) {
    const encoded = encodeBatch(records.slice(i, i + 500).map((r) => r.record));
    batches.push({ baseOffset: i, body: encoded.body, codec: encoded.codec });
  }
  naiveBaseline(records.slice(0, Math.min(total, 100_000))); // warm-up
  const baseline = naiveBaseline(records);
  const decoded = aggregatorRun(dir.path, 'decoded', (process) => {
    for (let i = 0; i < total; i += 500) process(records.slice(i, i + 500));
  });
  const fromBatches = aggregatorRun(dir.path, 'batches', (process) => {
    for (const batch of batches) process(batchRecords(batch));
  });
  console.log(formatTable(['run', 'rec/s', 'x baseline', 'flushes', 'windows stored'], [
    ['naive Map baseline (count+sum, no sketch, no SQLite)', Math.round(total / baseline), '1.00', '-', '-'],
    ['PartitionAggregator, decoded records', Math.round(total / decoded.seconds), (baseline / decoded.seconds).toFixed(2), decoded.flushes, decoded.windows],
    ['PartitionAggregator, decodeBatch + aggregate', Math.round(total / fromBatches.seconds), (baseline / fromBatches.seconds).toFixed(2), fromBatches.flushes, fromBatches.windows],
  ]));
  console.log(`RSS ${rssMiB()} MiB`);
  console.log(`goal: >= 200000 rec/s through the aggregator (decoded records) -> ${total / decoded.seconds >= 200_000 ? 'met' : 'NOT met'}`);
} finally {
  dir.remove();
}
