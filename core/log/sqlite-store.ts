import { randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TributaryError } from '../errors.js';
import type { Logger } from '../logger.js';
import { batchCrc, type StoredBatch } from './batch.js';
import type { BatchToAppend, LogStore, PartitionState, ReadResult } from './store.js';
import { LOG_SCHEMA_SQL, LOG_FORMAT_VERSION } from './sqlite-schema.js';

/** Most batch rows fetched by one statement of `read` (a page). */
const MAX_READ_PAGE = 16;

export interface SqliteLogOptions {
  /** Path of the SQLite file; its directory is created when missing. */
  path: string;
  /** Number of partitions (a log never shrinks: an existing larger count is kept). */
  partitions: number;
  logger?: Logger;
  /** WAL file size kept after checkpoints (bytes). */
  journalSizeLimit?: number;
  /**
   * SQLite's page cache for this connection (bytes); default 16 MiB, better-sqlite3's build default.
   * The cache fills as the file grows and stays allocated, so a small device wants less (the agent: 2 MiB).
   */
  cacheBytes?: number;
}

/** better-sqlite3 is built with SQLITE_DEFAULT_CACHE_SIZE=-16000 (16,000 KiB); said explicitly here. */
export const DEFAULT_CACHE_BYTES = 16_000 * 1024;

interface BatchRow {
  id: number;
  partition: number;
  base_offset: number;
  count: number;
  first_ts: number;
  max_ts: number;
  append_ts: number;
  codec: number;
  crc: number;
  quarantined: number;
  body: Buffer;
}

const SQLITE_CORRUPTION = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);
const SQLITE_DISK_FULL = new Set(['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC']);

/** Whether an error from better-sqlite3 means the disk (or the page budget) is full. */
export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code !== undefined && (SQLITE_DISK_FULL.has(code) || error instanceof TributaryError && code === 'ERR_LOG_DISK_FULL');
}

/**
 * The durable partitioned log on SQLite: one row per batch (a BLOB), WAL with synchronous=FULL,
 * dense offsets per partition, a CRC per batch, cursors and drop counts in the same file.
 */
export class SqliteLogStore implements LogStore {
  readonly logId: string;
  readonly partitions: number;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly states: PartitionState[] = [];
  private readonly cursors = new Map<string, number>();
  private readonly dirtyCursors = new Set<string>();
  private readonly statements;

  constructor(options: SqliteLogOptions) {
    this.path = options.path;
    mkdirSync(dirname(options.path), { recursive: true });
    this.db = openOrQuarantine(options);
    const meta = this.db.prepare('SELECT value FROM meta WHERE name = ?').pluck();
    const setMeta = this.db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)');
    const format = meta.get('format_version') as string | undefined;
    if (format !== undefined && Number(format) > LOG_FORMAT_VERSION) {
      throw new TributaryError('ERR_LOG_FORMAT', `${options.path} was written by a newer Tributary (log format ${format}, this one reads ${LOG_FORMAT_VERSION}); upgrade the agent`);
    }
    let logId = meta.get('log_id') as string | undefined;
    const storedPartitions = Number(meta.get('partitions') ?? 0);
    this.partitions = Math.max(storedPartitions, options.partitions);
    if (storedPartitions > options.partitions) {
      options.logger?.warn({ path: options.path, stored: storedPartitions, configured: options.partitions }, 'log has more partitions than configured; keeping them all so nothing buffered is lost');
    }
    this.db.transaction(() => {
      if (logId === undefined) {
        logId = randomUUID();
        setMeta.run('log_id', logId);
        setMeta.run('created_at', String(Date.now()));
      }
      setMeta.run('format_version', String(LOG_FORMAT_VERSION));
      setMeta.run('partitions', String(this.partitions));
      const insert = this.db.prepare('INSERT OR IGNORE INTO partitions (partition, start_offset, next_offset, bytes, batches) VALUES (?, 0, 0, 0, 0)');
      for (let p = 0; p < this.partitions; p++) insert.run(p);
    })();
    this.logId = logId!;
    for (const row of this.db.prepare('SELECT partition, start_offset, next_offset, bytes, batches FROM partitions ORDER BY partition').all() as { partition: number; start_offset: number; next_offset: number; bytes: number; batches: number }[]) {
      this.states[row.partition] = { partition: row.partition, startOffset: row.start_offset, nextOffset: row.next_offset, bytes: row.bytes, batches: row.batches };
    }
    for (const row of this.db.prepare('SELECT name, partition, offset FROM cursors').all() as { name: string; partition: number; offset: number }[]) {
      this.cursors.set(cursorKey(row.name, row.partition), row.offset);
    }
    this.statements = {
      insertBatch: this.db.prepare('INSERT INTO batches (partition, base_offset, count, first_ts, max_ts, append_ts, codec, crc, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      updatePartition: this.db.prepare('UPDATE partitions SET start_offset = ?, next_offset = ?, bytes = ?, batches = ? WHERE partition = ?'),
      saveCursor: this.db.prepare('INSERT OR REPLACE INTO cursors (name, partition, offset) VALUES (?, ?, ?)'),
      batchAt: this.db.prepare('SELECT * FROM batches WHERE partition = ? AND base_offset <= ? ORDER BY base_offset DESC LIMIT 1'),
      batchesFrom: this.db.prepare('SELECT * FROM batches WHERE partition = ? AND base_offset > ? ORDER BY base_offset LIMIT ?'),
      oldest: this.db.prepare('SELECT id, base_offset, count, append_ts, length(body) AS bytes FROM batches WHERE partition = ? ORDER BY base_offset LIMIT 64'),
      deleteBatch: this.db.prepare('DELETE FROM batches WHERE id = ?'),
      quarantine: this.db.prepare('UPDATE batches SET quarantined = 1 WHERE id = ?'),
      countDrop: this.db.prepare('INSERT INTO drops (partition, reason, records) VALUES (?, ?, ?) ON CONFLICT (partition, reason) DO UPDATE SET records = records + excluded.records'),
      drops: this.db.prepare('SELECT partition, reason, records FROM drops ORDER BY partition, reason'),
    };
  }

  /** The underlying connection, for tools (verify) and tests. */
  get database(): Database.Database {
    return this.db;
  }

  append(batches: BatchToAppend[], alsoInTransaction?: () => void): StoredBatch[] {
    const appendTs = Date.now();
    const next = new Map<number, PartitionState>();
    const stored: StoredBatch[] = [];
    for (const batch of batches) {
      const base = this.stateOf(batch.partition);
      const state = next.get(batch.partition) ?? { ...base };
      next.set(batch.partition, state);
      const full = { ...batch, baseOffset: state.nextOffset, appendTs, crc: 0 };
      full.crc = batchCrc(full);
      stored.push(full);
      state.nextOffset += batch.count;
      state.bytes += batch.body.length;
      state.batches += 1;
    }
    this.run(() => {
      this.db.transaction(() => {
        const s = this.statements;
        for (const b of stored) s.insertBatch.run(b.partition, b.baseOffset, b.count, b.firstTs, b.maxTs, b.appendTs, b.codec, b.crc, b.body);
        for (const st of next.values()) s.updatePartition.run(st.startOffset, st.nextOffset, st.bytes, st.batches, st.partition);
        this.writeDirtyCursors();
        alsoInTransaction?.();
      })();
    });
    for (const st of next.values()) this.states[st.partition] = st;
    this.dirtyCursors.clear();
    return stored;
  }

  read(partition: number, fromOffset: number, maxBytes: number, maxRecords = Infinity): ReadResult {
    this.stateOf(partition);
    const result: ReadResult = { batches: [], corrupt: [] };
    const first = this.statements.batchAt.get(partition, fromOffset) as BatchRow | undefined;
    const rows: BatchRow[] = [];
    if (first && first.base_offset + first.count > fromOffset) rows.push(first);
    const after = first ? first.base_offset : fromOffset - 1;
    let bytes = rows.reduce((n, r) => n + r.body.length, 0);
    // Records from fromOffset on: the first batch may start before it.
    let records = rows.reduce((n, r) => n + r.base_offset + r.count - Math.max(fromOffset, r.base_offset), 0);
    // Fetch in small pages: a statement is never held open across the caller's awaits (that would pin the WAL).
    let cursor = after;
    let full = false;
    while (!full) {
      // As many rows as the batches read so far say will fill maxBytes / maxRecords: bodies fetched and not
      // returned are wasted reads (and CRC checks).
      const byBytes = Math.ceil(((maxBytes - bytes) * rows.length) / Math.max(1, bytes));
      const byRecords = Math.ceil(((maxRecords - records) * rows.length) / Math.max(1, records));
      const pageSize = rows.length === 0 ? 4 : Math.min(MAX_READ_PAGE, Math.max(1, byBytes), Math.max(1, byRecords));
      const page = this.statements.batchesFrom.all(partition, cursor, pageSize) as BatchRow[];
      if (page.length === 0) break;
      for (const row of page) {
        // Past the first batch, only whole batches within both limits: one the caller cannot use would be read again.
        full = rows.length > 0 && (bytes + row.body.length > maxBytes || records + row.count > maxRecords);
        if (full) break;
        rows.push(row);
        bytes += row.body.length;
        records += row.count;
      }
      cursor = page[page.length - 1]!.base_offset;
      if (page.length < pageSize) break;
    }
    for (const row of rows) {
      const batch = rowToBatch(row);
      if (row.quarantined === 1) {
        result.corrupt.push({ baseOffset: row.base_offset, count: row.count });
      } else if (batchCrc(batch) !== row.crc) {
        result.corrupt.push({ baseOffset: row.base_offset, count: row.count });
        this.run(() => this.db.transaction(() => {
          this.statements.quarantine.run(row.id);
          this.statements.countDrop.run(partition, 'corrupt', row.count);
        })());
      } else {
        result.batches.push(batch);
      }
    }
    return result;
  }

  state(partition: number): PartitionState {
    return { ...this.stateOf(partition) };
  }

  cursor(name: string, partition: number): number | undefined {
    return this.cursors.get(cursorKey(name, partition));
  }

  setCursor(name: string, partition: number, offset: number): void {
    const k = cursorKey(name, partition);
    if (this.cursors.get(k) === offset) return;
    this.cursors.set(k, offset);
    this.dirtyCursors.add(k);
  }

  saveCursors(): void {
    if (this.dirtyCursors.size === 0) return;
    this.run(() => this.db.transaction(() => this.writeDirtyCursors())());
    this.dirtyCursors.clear();
  }

  deleteOldest(partition: number, shouldDelete: (batch: { baseOffset: number; count: number; appendTs: number; bytes: number }) => boolean): { records: number; bytes: number } {
    const state = { ...this.stateOf(partition) };
    let records = 0;
    let bytes = 0;
    this.run(() => this.db.transaction(() => {
      for (;;) {
        const page = this.statements.oldest.all(partition) as { id: number; base_offset: number; count: number; append_ts: number; bytes: number }[];
        let stopped = page.length === 0;
        for (const row of page) {
          if (!shouldDelete({ baseOffset: row.base_offset, count: row.count, appendTs: row.append_ts, bytes: row.bytes })) {
            stopped = true;
            break;
          }
          this.statements.deleteBatch.run(row.id);
          records += row.count;
          bytes += row.bytes;
          state.startOffset = row.base_offset + row.count;
          state.bytes -= row.bytes;
          state.batches -= 1;
        }
        if (stopped) break;
      }
      if (records > 0) this.statements.updatePartition.run(state.startOffset, state.nextOffset, state.bytes, state.batches, partition);
    })());
    if (records > 0) this.states[partition] = state;
    return { records, bytes };
  }

  countDropped(partition: number, reason: string, records: number): void {
    if (records <= 0) return;
    this.run(() => this.statements.countDrop.run(partition, reason, records));
  }

  dropped(): { partition: number; reason: string; records: number }[] {
    return this.statements.drops.all() as { partition: number; reason: string; records: number }[];
  }

  transaction<T>(fn: () => T): T {
    let result!: T;
    this.run(() => {
      result = this.db.transaction(fn)();
    });
    return result;
  }

  /** Checkpoints the WAL into the database file and truncates it (call when idle). */
  checkpoint(): void {
    this.run(() => this.db.pragma('wal_checkpoint(TRUNCATE)'));
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.saveCursors();
    } finally {
      this.db.close();
    }
  }

  private stateOf(partition: number): PartitionState {
    const state = this.states[partition];
    if (!state) throw new TributaryError('ERR_LOG_PARTITION', `partition ${partition} does not exist (this log has ${this.partitions})`);
    return state;
  }

  private writeDirtyCursors(): void {
    for (const k of this.dirtyCursors) {
      const [name, partition] = splitCursorKey(k);
      this.statements.saveCursor.run(name, partition, this.cursors.get(k));
    }
  }

  /** Runs a write, turning SQLite's disk-full errors into a retriable ERR_LOG_DISK_FULL. */
  private run(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      if (isDiskFull(error)) {
        throw new TributaryError('ERR_LOG_DISK_FULL', `log ${this.path}: disk full (${(error as Error).message}); freeing acknowledged data and retrying`, { cause: error, retriable: true });
      }
      throw error;
    }
  }
}

function openOrQuarantine(options: SqliteLogOptions): Database.Database {
  try {
    return openDatabase(options);
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (!SQLITE_CORRUPTION.has(code) || !existsSync(options.path)) throw error;
    // A log SQLite cannot read would otherwise need a hand-deleted buffer: keep it aside and start a new incarnation.
    const aside = `${options.path}.corrupt-${Date.now()}`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(options.path + suffix)) renameSync(options.path + suffix, aside + suffix);
    }
    options.logger?.error({ path: options.path, movedTo: aside, err: error }, 'log database is corrupt; moved it aside and started a new log');
    return openDatabase(options);
  }
}

function openDatabase(options: SqliteLogOptions): Database.Database {
  const db = new Database(options.path);
  try {
    db.pragma('journal_mode = WAL');
    // better-sqlite3 is built with WAL synchronous=NORMAL, which can lose committed transactions on power loss.
    db.pragma('synchronous = FULL');
    db.pragma(`journal_size_limit = ${options.journalSizeLimit ?? 64 * 1024 * 1024}`);
    db.pragma('busy_timeout = 5000');
    // A negative cache_size is in KiB.
    db.pragma(`cache_size = -${Math.max(64, Math.round((options.cacheBytes ?? DEFAULT_CACHE_BYTES) / 1024))}`);
    db.exec(LOG_SCHEMA_SQL);
    db.prepare('SELECT count(*) FROM partitions').get();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function rowToBatch(row: BatchRow): StoredBatch {
  return {
    partition: row.partition,
    baseOffset: row.base_offset,
    count: row.count,
    firstTs: row.first_ts,
    maxTs: row.max_ts,
    appendTs: row.append_ts,
    codec: row.codec as StoredBatch['codec'],
    crc: row.crc,
    body: row.body,
  };
}

function cursorKey(name: string, partition: number): string {
  return `${partition}:${name}`;
}

function splitCursorKey(k: string): [string, number] {
  const i = k.indexOf(':');
  return [k.slice(i + 1), Number(k.slice(0, i))];
}
