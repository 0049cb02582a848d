import type Database from 'better-sqlite3';
import { retentionMs, type AggregateSettings } from './config.js';
import type { WindowRow } from './window-state.js';

/** The aggregator's tables in the hub database; rows of a key are written only by the aggregator owning its partition. */
export const AGGREGATE_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS aggregate_windows (
  key TEXT NOT NULL,
  metric TEXT NOT NULL,
  window_ms INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  last REAL NOT NULL,
  last_ts INTEGER NOT NULL,
  sketch BLOB NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (window_ms, window_start, key, metric)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aggregate_windows_by_key ON aggregate_windows (key, metric, window_ms, window_start);
CREATE TABLE IF NOT EXISTS aggregate_latest (
  key TEXT NOT NULL,
  metric TEXT NOT NULL,
  value REAL NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (key, metric)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aggregate_late (
  key TEXT NOT NULL,
  metric TEXT NOT NULL,
  window_ms INTEGER NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (key, metric, window_ms)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aggregate_watermarks (
  partition INTEGER PRIMARY KEY,
  max_ts INTEGER NOT NULL
);
`;

/** Creates the aggregator's tables when missing. */
export function ensureAggregateSchema(db: Database.Database): void {
  db.exec(AGGREGATE_SCHEMA_SQL);
}

/** The prepared statements of one aggregator. */
export class AggregateStatements {
  readonly window: Database.Statement<[string, string, number, number], WindowRow>;
  readonly upsertWindow: Database.Statement<[string, string, number, number, number, number, number, number, number, number, Buffer, number]>;
  readonly upsertLatest: Database.Statement<[string, string, number, number]>;
  readonly addLate: Database.Statement<[string, string, number, number]>;
  readonly watermark: Database.Statement<[number], { max_ts: number }>;
  readonly saveWatermark: Database.Statement<[number, number]>;

  constructor(db: Database.Database) {
    ensureAggregateSchema(db);
    this.window = db.prepare('SELECT * FROM aggregate_windows WHERE key = ? AND metric = ? AND window_ms = ? AND window_start = ?');
    this.upsertWindow = db.prepare(`INSERT INTO aggregate_windows (key, metric, window_ms, window_start, count, sum, min, max, last, last_ts, sketch, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (window_ms, window_start, key, metric) DO UPDATE SET count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max,
        last = excluded.last, last_ts = excluded.last_ts, sketch = excluded.sketch, updated_at = excluded.updated_at`);
    // Replaying records below a lost flush offers the same candidates again: keeping the newest ts is idempotent.
    this.upsertLatest = db.prepare(`INSERT INTO aggregate_latest (key, metric, value, ts) VALUES (?, ?, ?, ?)
      ON CONFLICT (key, metric) DO UPDATE SET value = excluded.value, ts = excluded.ts WHERE excluded.ts >= aggregate_latest.ts`);
    this.addLate = db.prepare(`INSERT INTO aggregate_late (key, metric, window_ms, count) VALUES (?, ?, ?, ?)
      ON CONFLICT (key, metric, window_ms) DO UPDATE SET count = count + excluded.count`);
    this.watermark = db.prepare('SELECT max_ts FROM aggregate_watermarks WHERE partition = ?');
    this.saveWatermark = db.prepare('INSERT INTO aggregate_watermarks (partition, max_ts) VALUES (?, ?) ON CONFLICT (partition) DO UPDATE SET max_ts = excluded.max_ts');
  }
}

/**
 * Deletes windows past their retention (ended at least `retentionMs` before, by the wall clock `nowMs`).
 * Returns the number of rows deleted. Run it now and then (hourly is plenty); it is its own transaction.
 */
export function deleteExpiredWindows(db: Database.Database, settings: AggregateSettings, nowMs = Date.now()): number {
  ensureAggregateSchema(db);
  const remove = db.prepare('DELETE FROM aggregate_windows WHERE window_ms = ? AND window_start <= ?');
  return db.transaction(() => {
    let deleted = 0;
    for (const windowMs of settings.windowsMs) deleted += remove.run(windowMs, nowMs - retentionMs(settings, windowMs) - windowMs).changes;
    return deleted;
  })();
}
