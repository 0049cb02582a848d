import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { SqliteLogStore } from '../../../core/log/sqlite-store.js';
import type { DataRecord } from '../../../core/record.js';
import type { AggregateSettings } from '../../../hub/aggregate/config.js';
import type { OffsetRecord, OffsetWriter } from '../../../hub/aggregate/engine.js';
import { windowStart, type WindowRow } from '../../../hub/aggregate/window-state.js';

/** The hub database as the hub opens it, plus a stand-in for the group's committed offsets. */
export function openHubDb(dir: string): { store: SqliteLogStore; db: Database.Database; committed(partition: number): number; writeOffset(partition: number): OffsetWriter } {
  const store = new SqliteLogStore({ path: join(dir, 'log.db'), partitions: 4 });
  const db = store.database;
  db.exec('CREATE TABLE IF NOT EXISTS test_offsets (partition INTEGER PRIMARY KEY, next_offset INTEGER NOT NULL)');
  const read = db.prepare<[number], number>('SELECT next_offset FROM test_offsets WHERE partition = ?').pluck();
  const write = db.prepare('INSERT INTO test_offsets (partition, next_offset) VALUES (?, ?) ON CONFLICT (partition) DO UPDATE SET next_offset = excluded.next_offset');
  return {
    store,
    db,
    committed: (partition) => read.get(partition) ?? 0,
    writeOffset: (partition) => (_db, next) => void write.run(partition, next),
  };
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records of a few devices with event times mostly increasing, some out of order (a few beyond the lateness). */
export function makeRecords(count: number, options: { seed: number; keys: string[]; startTs?: number }): OffsetRecord[] {
  const next = random(options.seed);
  let clock = options.startTs ?? 1_700_000_000_000;
  const records: OffsetRecord[] = [];
  for (let offset = 0; offset < count; offset++) {
    clock += Math.floor(next() * 200);
    // One record in ten arrives late: most within a minute, some several minutes behind.
    const lag = next() < 0.1 ? Math.floor(next() * (next() < 0.7 ? 50_000 : 400_000)) : 0;
    const key = options.keys[Math.floor(next() * options.keys.length)]!;
    const record: DataRecord = { key, ts: clock - lag, value: { temperature_c: Math.round(next() * 4000) / 100, humidity: Math.round(next() * 100), ok: true, label: 'x' }, attrs: {} };
    records.push({ offset, record });
  }
  return records;
}

export type ExpectedWindow = Pick<WindowRow, 'count' | 'sum' | 'min' | 'max' | 'last' | 'last_ts'>;

/** A straightforward model of the aggregation rules, to check the engine against: rows by "key|metric|size|start", late counts by "key|metric|size". */
export function expectedAggregates(records: OffsetRecord[], settings: AggregateSettings): { windows: Map<string, ExpectedWindow>; late: Map<string, number> } {
  const windows = new Map<string, ExpectedWindow>();
  const late = new Map<string, number>();
  let maxTs = -Infinity;
  for (const { record } of records) {
    maxTs = Math.max(maxTs, record.ts);
    for (const [metric, value] of Object.entries(record.value as Record<string, unknown>)) {
      if (typeof value !== 'number') continue;
      for (const size of settings.windowsMs) {
        const start = windowStart(record.ts, size);
        if (start + size <= maxTs - settings.allowedLatenessMs) {
          const id = `${record.key}|${metric}|${size}`;
          late.set(id, (late.get(id) ?? 0) + 1);
          continue;
        }
        const id = `${record.key}|${metric}|${size}|${start}`;
        const w = windows.get(id);
        if (w === undefined) windows.set(id, { count: 1, sum: value, min: value, max: value, last: value, last_ts: record.ts });
        else {
          w.count += 1;
          w.sum += value;
          w.min = Math.min(w.min, value);
          w.max = Math.max(w.max, value);
          if (record.ts >= w.last_ts) {
            w.last = value;
            w.last_ts = record.ts;
          }
        }
      }
    }
  }
  return { windows, late };
}

/** The stored rows in the same shape as `expectedAggregates`. */
export function storedAggregates(db: Database.Database): { windows: Map<string, ExpectedWindow>; late: Map<string, number> } {
  const windows = new Map<string, ExpectedWindow>();
  for (const row of db.prepare('SELECT * FROM aggregate_windows').all() as (ExpectedWindow & { key: string; metric: string; window_ms: number; window_start: number })[]) {
    windows.set(`${row.key}|${row.metric}|${row.window_ms}|${row.window_start}`, { count: row.count, sum: row.sum, min: row.min, max: row.max, last: row.last, last_ts: row.last_ts });
  }
  const late = new Map<string, number>();
  for (const row of db.prepare('SELECT * FROM aggregate_late').all() as { key: string; metric: string; window_ms: number; count: number }[]) {
    late.set(`${row.key}|${row.metric}|${row.window_ms}`, row.count);
  }
  return { windows, late };
}
