import type Database from 'better-sqlite3';
import { decodeBatch, type StoredBatch } from '../../core/log/batch.js';
import type { Counter, Metrics } from '../../core/metrics.js';
import type { DataRecord, JsonValue } from '../../core/record.js';
import type { AggregateSettings } from './config.js';
import { formatDuration } from './duration.js';
import { AggregateStatements } from './store.js';
import { binIndex } from './sketch.js';
import { WindowState, windowStart } from './window-state.js';

/** A record with its offset in the hub partition. */
export interface OffsetRecord {
  offset: number;
  record: DataRecord;
}

/**
 * Called inside the flush transaction with the offset of the next record to consume; writes the
 * consumer's committed offset (and checks its lease: throwing rolls the whole flush back).
 */
export type OffsetWriter = (db: Database.Database, nextOffset: number) => void;

export interface PartitionAggregatorOptions {
  /** The hub log partition this aggregator consumes. */
  partition: number;
  /** The committed offset it resumes from (the next record to consume). */
  committedOffset: number;
  metrics?: Metrics;
  /**
   * Runs the flush in a transaction; default `db.transaction(fn)()`. The hub passes its log store's
   * `transaction`, which turns SQLite's disk-full errors into a retriable ERR_LOG_DISK_FULL.
   */
  transaction?: <T>(fn: () => T) => T;
}

/** What a flush wrote. */
export interface FlushResult {
  windows: number;
  nextOffset: number;
  /** The windows written, as committed (the live feed sends them). */
  written: readonly WindowState[];
}

/** The open windows of one (device key, metric), per window size. */
interface Series {
  key: string;
  metric: string;
  /** Per window size (index into settings.windowsMs): the window the last record went to. */
  current: (WindowState | undefined)[];
  /** Per window size: every window held in memory, by start. */
  open: Map<number, WindowState>[];
  latest: number;
  latestTs: number;
  latestDirty: boolean;
}

interface LateCount {
  key: string;
  metric: string;
  windowMs: number;
  count: number;
}

/**
 * Tumbling-window statistics of one hub partition, by event time. `process` works in memory;
 * `flush` writes every changed window, the late counts, the partition's watermark and — through the
 * caller's hook — the consumed offset in ONE transaction. Stored rows therefore always reflect
 * exactly the records below the committed offset, and a new aggregator resuming from that offset
 * (windows are read back lazily) neither double counts nor skips.
 */
export class PartitionAggregator {
  readonly partition: number;
  private readonly windowsMs: number[];
  private readonly statements: AggregateStatements;
  private readonly series = new Map<string, Map<string, Series>>();
  private dirty: WindowState[] = [];
  private dirtyLatest: Series[] = [];
  private late = new Map<string, LateCount>();
  private lateByWindow: number[];
  private readonly lateCounters: Counter[];
  private readonly recordsCounter: Counter | undefined;
  private readonly duplicatesCounter: Counter | undefined;
  private recordsSinceFlush = 0;
  private duplicatesSinceFlush = 0;
  /** Largest event time seen in this partition (−∞ before the first record). */
  private maxTs = -Infinity;
  private storedMaxTs = -Infinity;
  /** Next offset to consume. */
  private nextOffset: number;
  private committedOffset: number;
  /** Watermark at the last eviction pass: passes run once it moved by the smallest window size. */
  private evictedAt = -Infinity;
  private readonly transaction: <T>(fn: () => T) => T;

  constructor(
    private readonly db: Database.Database,
    private readonly settings: AggregateSettings,
    options: PartitionAggregatorOptions,
  ) {
    this.partition = options.partition;
    this.windowsMs = settings.windowsMs;
    this.statements = new AggregateStatements(db);
    this.transaction = options.transaction ?? (<T>(fn: () => T): T => db.transaction(fn)());
    this.nextOffset = options.committedOffset;
    this.committedOffset = options.committedOffset;
    this.lateByWindow = this.windowsMs.map(() => 0);
    const partition = String(options.partition);
    this.lateCounters = this.windowsMs.map((ms) => options.metrics?.counter('tributary_aggregate_late_records_total', { partition, window: formatDuration(ms) }) ?? { inc() {} });
    this.recordsCounter = options.metrics?.counter('tributary_aggregate_records_total', { partition });
    this.duplicatesCounter = options.metrics?.counter('tributary_aggregate_duplicate_records_total', { partition });
    this.loadWatermark();
  }

  /** The offset of the next record to consume (what the next flush commits). */
  get position(): number {
    return this.nextOffset;
  }

  /** The offset the last successful flush committed (or the one given at construction). */
  get committed(): number {
    return this.committedOffset;
  }

  /** Current watermark: windows ending at or before it are closed (−∞ before the first record). */
  get watermark(): number {
    return this.maxTs - this.settings.allowedLatenessMs;
  }

  /** Applies records (in offset order) in memory; records below `position` were applied already and are skipped (counted as duplicates). */
  process(records: readonly OffsetRecord[]): void {
    for (const { offset, record } of records) {
      if (offset < this.nextOffset) {
        this.duplicatesSinceFlush += 1;
        continue;
      }
      this.applyRecord(offset, record);
    }
  }

  /**
   * Applies a decoded batch whose first record has offset `baseOffset`, from `position` on (the part
   * below it was read before: skipped, not counted). The log reader's path: no per-record wrapper objects.
   */
  processBatch(baseOffset: number, records: readonly DataRecord[]): void {
    for (let i = Math.max(0, this.nextOffset - baseOffset); i < records.length; i++) this.applyRecord(baseOffset + i, records[i]!);
  }

  private applyRecord(offset: number, record: DataRecord): void {
    const configured = this.settings.metrics;
    this.nextOffset = offset + 1;
    this.recordsSinceFlush += 1;
    const ts = record.ts;
    if (!Number.isFinite(ts)) return;
    if (ts > this.maxTs) this.maxTs = ts;
    const value = record.value;
    if (configured === undefined) {
      if (typeof value === 'number') {
        if (Number.isFinite(value)) this.apply(record.key, 'value', value, ts);
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        for (const field in value) {
          const v = value[field];
          if (typeof v === 'number' && Number.isFinite(v)) this.apply(record.key, field, v, ts);
        }
      }
    } else {
      for (const metric of configured) {
        const v = valueAt(value, metric.path);
        if (v !== undefined) this.apply(record.key, metric.name, v, ts);
      }
    }
  }

  /** Moves the position past records that will never be processed (deleted by retention, corrupt); the next flush commits it. */
  skipTo(offset: number): void {
    if (offset > this.nextOffset) this.nextOffset = offset;
  }

  /**
   * Writes every window changed since the last flush, the late counts, the watermark, and calls
   * `writeOffset` — all in one transaction. When anything throws, the transaction rolls back and
   * the in-memory state is reset to what is stored: consume again from `position` (= the committed offset).
   */
  flush(writeOffset: OffsetWriter): FlushResult {
    const windows = this.dirty;
    const nextOffset = this.nextOffset;
    const s = this.statements;
    const now = Date.now();
    try {
      this.transaction(() => {
        for (const w of windows) {
          s.upsertWindow.run(w.key, w.metric, w.windowMs, w.start, w.count, w.sum, w.min, w.max, w.last, w.lastTs, w.sketch.toBytes(), now);
        }
        for (const series of this.dirtyLatest) s.upsertLatest.run(series.key, series.metric, series.latest, series.latestTs);
        for (const late of this.late.values()) s.addLate.run(late.key, late.metric, late.windowMs, late.count);
        if (this.maxTs !== this.storedMaxTs) s.saveWatermark.run(this.partition, this.maxTs);
        writeOffset(this.db, nextOffset);
      });
    } catch (error) {
      this.reset();
      throw error;
    }
    for (const w of windows) w.dirty = false;
    for (const series of this.dirtyLatest) series.latestDirty = false;
    this.dirty = [];
    this.dirtyLatest = [];
    this.late.clear();
    this.storedMaxTs = this.maxTs;
    this.committedOffset = nextOffset;
    this.lateByWindow.forEach((count, i) => this.lateCounters[i]!.inc(count));
    this.lateByWindow = this.windowsMs.map(() => 0);
    this.recordsCounter?.inc(this.recordsSinceFlush);
    this.duplicatesCounter?.inc(this.duplicatesSinceFlush);
    this.recordsSinceFlush = 0;
    this.duplicatesSinceFlush = 0;
    this.evictClosed();
    return { windows: windows.length, nextOffset, written: windows };
  }

  /** Number of windows held in memory (open ones, and closed ones not yet flushed). */
  get openWindows(): number {
    let n = 0;
    for (const byMetric of this.series.values()) for (const series of byMetric.values()) for (const open of series.open) n += open.size;
    return n;
  }

  /** Forgets everything not flushed and goes back to the stored state and the committed offset. */
  reset(): void {
    this.series.clear();
    this.dirty = [];
    this.dirtyLatest = [];
    this.late.clear();
    this.lateByWindow = this.windowsMs.map(() => 0);
    this.recordsSinceFlush = 0;
    this.duplicatesSinceFlush = 0;
    this.nextOffset = this.committedOffset;
    this.loadWatermark();
  }

  private loadWatermark(): void {
    const row = this.statements.watermark.get(this.partition);
    this.maxTs = row?.max_ts ?? -Infinity;
    this.storedMaxTs = this.maxTs;
  }

  private apply(key: string, metric: string, value: number, ts: number): void {
    let byMetric = this.series.get(key);
    if (byMetric === undefined) {
      byMetric = new Map();
      this.series.set(key, byMetric);
    }
    let series = byMetric.get(metric);
    if (series === undefined) {
      series = { key, metric, current: this.windowsMs.map(() => undefined), open: this.windowsMs.map(() => new Map()), latest: value, latestTs: -Infinity, latestDirty: false };
      byMetric.set(metric, series);
    }
    if (ts >= series.latestTs) {
      series.latest = value;
      series.latestTs = ts;
      if (!series.latestDirty) {
        series.latestDirty = true;
        this.dirtyLatest.push(series);
      }
    }
    const watermark = this.maxTs - this.settings.allowedLatenessMs;
    const windowsMs = this.windowsMs;
    // One logarithm per value, not one per window size.
    const bin = binIndex(value);
    for (let i = 0; i < windowsMs.length; i++) {
      const size = windowsMs[i]!;
      const start = windowStart(ts, size);
      if (start + size <= watermark) {
        this.countLate(series, i, size);
        continue;
      }
      let window = series.current[i];
      if (window === undefined || window.start !== start) {
        window = series.open[i]!.get(start) ?? this.openWindow(series, i, size, start);
        series.current[i] = window;
      }
      window.add(value, ts, bin);
      if (!window.dirty) {
        window.dirty = true;
        this.dirty.push(window);
      }
    }
  }

  /**
   * A window not in memory: the stored row when an earlier flush (maybe by another member) wrote it,
   * else a new one. A key lives in one partition, and every stored row of the partition's keys holds
   * only records with ts <= the stored max ts: windows starting after it need no lookup.
   */
  private openWindow(series: Series, sizeIndex: number, size: number, start: number): WindowState {
    const row = start > this.storedMaxTs ? undefined : this.statements.window.get(series.key, series.metric, size, start);
    const window = row === undefined ? new WindowState(series.key, series.metric, size, start) : WindowState.fromRow(row);
    series.open[sizeIndex]!.set(start, window);
    return window;
  }

  private countLate(series: Series, sizeIndex: number, size: number): void {
    this.lateByWindow[sizeIndex]! += 1;
    const id = `${size}\u0000${series.metric}\u0000${series.key}`;
    const late = this.late.get(id);
    if (late === undefined) this.late.set(id, { key: series.key, metric: series.metric, windowMs: size, count: 1 });
    else late.count += 1;
  }

  /** Drops flushed windows that can no longer change, and series left with nothing in memory. */
  private evictClosed(): void {
    const watermark = this.maxTs - this.settings.allowedLatenessMs;
    // A pass visits every series: only worth it once a smallest-size window can have closed.
    if (watermark - this.evictedAt < this.windowsMs[0]!) return;
    this.evictedAt = watermark;
    for (const [key, byMetric] of this.series) {
      for (const [metric, series] of byMetric) {
        let held = 0;
        series.open.forEach((open, i) => {
          for (const [start, window] of open) {
            if (window.end <= watermark && !window.dirty) {
              open.delete(start);
              if (series.current[i] === window) series.current[i] = undefined;
            }
          }
          held += open.size;
        });
        if (held === 0 && !series.latestDirty) byMetric.delete(metric);
      }
      if (byMetric.size === 0) this.series.delete(key);
    }
  }
}

/** The records of a batch read from the hub log, with their offsets (throws ERR_LOG_BAD_BATCH on an undecodable body). */
export function batchRecords(batch: Pick<StoredBatch, 'baseOffset' | 'body' | 'codec'>): OffsetRecord[] {
  return decodeBatch(batch.body, batch.codec).map((record, i) => ({ offset: batch.baseOffset + i, record }));
}

/** The finite number at `path` inside a record's value, if there is one. */
function valueAt(value: JsonValue, path: string[]): number | undefined {
  let at: JsonValue | undefined = value;
  for (const part of path) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = at[part];
  }
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
}
