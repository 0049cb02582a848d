/**
 * Durable log append throughput: Tributary's AgentBuffer (encode, batch, CRC, group commit with
 * synchronous=FULL) side by side with raw better-sqlite3 inserts of the same bytes in the same run.
 *
 *   npm run build && node dist/bench/log-append.js [--records 1000000] [--batch 500]
 */
import { AGENT_LOG_CACHE_BYTES } from '../agent/agent.js';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { SqliteLogStore } from '../core/log/sqlite-store.js';
import { silentLogger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import type { DataRecord } from '../core/record.js';
import { AgentBuffer } from '../agent/log/buffer.js';
import { encodeRecord } from '../core/log/batch.js';
import { formatTable, percentiles, rssMiB, tempDir } from './report.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '500' } } });
const total = Number(values.records);
const batchSize = Number(values.batch);

function makeRecord(seq: number): DataRecord {
  // About 100 bytes once encoded: ["sensor-07",1700000000123,{"seq":123,"t":21.5,"h":40.25,"s":"ok"},{"src":"bench"}]
  return { key: `sensor-${String(seq % 16).padStart(2, '0')}`, ts: 1_700_000_000_000 + seq, value: { seq, t: 21.5, h: 40.25, s: 'ok-xxxxxx' }, attrs: { src: 'bench' } };
}

async function tributaryAppend(dir: string): Promise<{ seconds: number; latencies: number[] }> {
  // The agent's page cache, as `tributary agent` opens its log.
  const store = new SqliteLogStore({ path: join(dir, 'tributary.db'), partitions: 4, cacheBytes: AGENT_LOG_CACHE_BYTES });
  const buffer = new AgentBuffer(store, {
    maxBytes: 8 * 1024 ** 3, maxAgeMs: 3_600_000, whenFull: () => 'block', commitIntervalMs: 0,
    batchMaxRecords: batchSize, batchMaxBytes: 1 << 20, ackCursors: [], logger: silentLogger(), metrics: new Metrics(),
  });
  const latencies: number[] = [];
  const started = performance.now();
  // A source hands over records in chunks and waits for durability, as the MQTT and serial sources do.
  const chunk = 5000;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i += chunk) {
    const t0 = performance.now();
    // Records of a chunk share a few batch gates: wait for each distinct one (as the pipeline does).
    const promises = new Set<Promise<void>>();
    for (let j = i; j < Math.min(total, i + chunk); j++) promises.add(buffer.append(j % 4, makeRecord(j)));
    inFlight.push(Promise.all([...promises]).then(() => void latencies.push(performance.now() - t0)));
    if (inFlight.length >= 8) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  await buffer.close();
  store.close();
  return { seconds, latencies };
}

function rawInsert(dir: string, mode: 'row_per_record' | 'blob_per_batch'): number {
  const db = new Database(join(dir, `raw-${mode}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, p INTEGER, body BLOB)');
  const insert = db.prepare('INSERT INTO t (p, body) VALUES (?, ?)');
  const started = performance.now();
  for (let i = 0; i < total; i += batchSize * 4) {
    // The same bytes as Tributary's records, already encoded: the raw cost of getting them to disk.
    const tx = db.transaction(() => {
      for (let p = 0; p < 4; p++) {
        const encoded: string[] = [];
        for (let j = i + p * batchSize; j < Math.min(total, i + (p + 1) * batchSize); j++) encoded.push(encodeRecord(makeRecord(j)));
        if (mode === 'row_per_record') for (const e of encoded) insert.run(p, Buffer.from(e));
        else if (encoded.length > 0) insert.run(p, Buffer.from(`[${encoded.join(',')}]`));
      }
    });
    tx();
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return seconds;
}

const dir = tempDir('tributary-bench-');
try {
  console.log(`log append: ${total} records of ~100 bytes, ${batchSize} records per batch, 4 partitions, WAL + synchronous=FULL`);
  const rawRows = rawInsert(dir.path, 'row_per_record');
  const rawBlobs = rawInsert(dir.path, 'blob_per_batch');
  const trib = await tributaryAppend(dir.path);
  const p = percentiles(trib.latencies);
  console.log(formatTable(['run', 'rec/s', 'x raw blob speed'], [
    ['raw better-sqlite3, one row per record', Math.round(total / rawRows), (rawBlobs / rawRows).toFixed(2)],
    ['raw better-sqlite3, one blob per batch', Math.round(total / rawBlobs), '1.00'],
    ['tributary AgentBuffer (durable, CRC)', Math.round(total / trib.seconds), (rawBlobs / trib.seconds).toFixed(2)],
  ]));
  console.log(`append->durable latency per 5000-record chunk: p50 ${p.p50.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms; RSS ${rssMiB()} MiB`);
  console.log(`goal: >= 500000 rec/s and within 2x of raw blob inserts -> ${total / trib.seconds >= 500_000 && trib.seconds / rawBlobs <= 2 ? 'met' : 'NOT met'}`);
} finally {
  dir.remove();
}
