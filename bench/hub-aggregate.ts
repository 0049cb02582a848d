/**
 * Aggregation throughput inside a running hub: the hub log is filled with a backlog first, then the hub
 * starts and its built-in aggregator (consumer group `tributary-aggregator`: reads the log, decodes,
 * aggregates, commits results + offsets in one durable transaction per flush) drains it. Measured from
 * the hub's start until the group's lag is zero. Baseline in the same run: the engine alone
 * (decodeBatch + PartitionAggregator + one flush per 50k records, as the service) over the same batches.
 *
 *   npm run build && node dist/bench/hub-aggregate.js [--records 1000000] [--keys 100] [--partitions 4] [--skip-baseline]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeBatch, encodeBatch } from '../core/log/batch.js';
import { SqliteLogStore } from '../core/log/sqlite-store.js';
import { silentLogger } from '../core/logger.js';
import type { DataRecord } from '../core/record.js';
import { aggregateSettings } from '../hub/aggregate/config.js';
import { AGGREGATOR_GROUP } from '../hub/aggregate/aggregator-service.js';
import { PartitionAggregator } from '../hub/aggregate/engine.js';
import { loadHubConfigText } from '../hub/config/load.js';
import { hubLogPath, startHub } from '../hub/hub.js';
import { formatTable, machineLine, rssMiB, tempDir } from './report.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, keys: { type: 'string', default: '100' }, partitions: { type: 'string', default: '4' }, 'skip-baseline': { type: 'boolean', default: false } } });
const total = Number(values.records);
const keys = Number(values.keys);
const partitions = Number(values.partitions);
const BATCH = 500;

function makeRecord(seq: number): DataRecord {
  return { key: `sensor-${String(seq % keys).padStart(2, '0')}`, ts: 1_700_000_000_000 + seq, value: { seq, t: 15 + (seq % 200) / 10, h: 40 + (seq % 37) / 4, s: 'ok-xxxxxx' }, attrs: { agent: 'bench' } };
}

/** Fills the hub log as the ingest would: batches of one device's records, each device on one partition. */
function fillHubLog(dataDir: string): void {
  const store = new SqliteLogStore({ path: hubLogPath(dataDir), partitions });
  let seq = 0;
  while (seq < total) {
    const appends = [];
    for (let p = 0; p < partitions && seq < total; p++) {
      const records = [];
      for (let i = 0; i < BATCH && seq < total; i++) records.push(makeRecord(seq++));
      appends.push({ partition: p, ...encodeBatch(records) });
    }
    store.append(appends);
  }
  store.close();
}

/** The engine alone over the same batches: read, decode, aggregate, flush every 50k records (the service's default). */
function engineBaseline(dataDir: string): number {
  const store = new SqliteLogStore({ path: hubLogPath(dataDir), partitions });
  const settings = aggregateSettings();
  const db = new SqliteLogStore({ path: join(dataDir, 'baseline.db'), partitions: 1 }).database;
  const started = performance.now();
  for (let p = 0; p < partitions; p++) {
    const aggregator = new PartitionAggregator(db, settings, { partition: p, committedOffset: 0 });
    let offset = 0;
    let sinceFlush = 0;
    for (;;) {
      const { batches } = store.read(p, offset, 1 << 20);
      if (batches.length === 0) break;
      for (const batch of batches) {
        aggregator.processBatch(batch.baseOffset, decodeBatch(batch.body, batch.codec));
        offset = batch.baseOffset + batch.count;
        sinceFlush += batch.count;
      }
      if (sinceFlush >= 50_000) {
        aggregator.flush(() => undefined);
        sinceFlush = 0;
      }
    }
    aggregator.flush(() => undefined);
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  store.close();
  return seconds;
}

const dir = tempDir('tributary-bench-hub-aggregate-');
try {
  console.log(`hub aggregation: a backlog of ${total} records (~100 bytes, ${keys} devices, 3 numeric fields) in a ${partitions}-partition hub log, drained by the hub's built-in aggregator (windows 10s/1m/1h, one member)`);
  console.log(machineLine());
  fillHubLog(dir.path);
  const baselineSeconds = values['skip-baseline'] ? NaN : engineBaseline(dir.path);
  const yaml = `hub: { data_dir: ${dir.path} }\nlisteners:\n  mqtt: { port: 0 }\n  http: { port: 0 }\nlog: { partitions: ${partitions} }\naggregate: { windows: [10s, 1m, 1h] }\n`;
  const started = performance.now();
  const hub = await startHub(loadHubConfigText(yaml, 'bench-hub.yaml'), { logger: silentLogger() });
  const startedHub = performance.now();
  let firstProgress: number | undefined;
  let peakRss = rssMiB();
  try {
    let lastReport = started;
    for (;;) {
      const lag = hub.groups.describe(AGGREGATOR_GROUP).partitions.reduce((sum, p) => sum + p.lagRecords, 0);
      peakRss = Math.max(peakRss, rssMiB());
      if (lag < total) firstProgress ??= performance.now();
      if (lag === 0) break;
      if (performance.now() - lastReport > 2000) {
        process.stderr.write(`  ${total - lag} of ${total} aggregated\n`);
        lastReport = performance.now();
      }
      // describe() reads a batch per lagging partition (lag in time): polling it often would slow the aggregator down.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await hub.stop();
  }
  const finished = performance.now();
  const seconds = (finished - started) / 1000;
  process.stderr.write(`  hub started in ${(startedHub - started).toFixed(0)} ms, first records aggregated ${((firstProgress ?? finished) - started).toFixed(0)} ms after the start\n`);
  const rate = total / seconds;
  console.log(formatTable(['run', 'rec/s', 'x baseline'], [
    ['engine alone: read + decode + aggregate + flush (baseline)', Math.round(total / baselineSeconds), '1.00'],
    ['hub aggregator service, from hub start to lag 0', Math.round(rate), (baselineSeconds / seconds).toFixed(2)],
  ]));
  console.log(`peak RSS ${peakRss} MiB`);
  console.log(`goal: >= 200000 rec/s through the hub's built-in aggregator (from hub start): ${Math.round(rate)} -> ${rate >= 200_000 ? 'met' : 'NOT met'}`);
} finally {
  dir.remove();
}
