import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { decodeBatch, encodeBatch } from '../../../core/log/batch.js';
import { openReadOnlyLog } from '../../../core/log/read-only.js';
import { SqliteLogStore } from '../../../core/log/sqlite-store.js';
import { verifyLog } from '../../../core/log/verify.js';
import type { DataRecord } from '../../../core/record.js';
import { tempDir } from '../../helpers/temp-dir.js';

function records(n: number, start = 0, key = 'dev-1'): DataRecord[] {
  return Array.from({ length: n }, (_, i) => ({ key, ts: 1_700_000_000_000 + start + i, value: { seq: start + i, temp: 20.5 }, attrs: { source: 'test' } }));
}

describe('SqliteLogStore', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    dir = tempDir();
    path = join(dir.path, 'log.db');
  });
  afterEach(() => dir.remove());

  it('assigns dense offsets per partition and reads back exactly what was appended', () => {
    const store = new SqliteLogStore({ path, partitions: 2 });
    const stored = store.append([
      { partition: 0, ...encodeBatch(records(3, 0)) },
      { partition: 1, ...encodeBatch(records(2, 100)) },
      { partition: 0, ...encodeBatch(records(4, 3)) },
    ]);
    expect(stored.map((b) => [b.partition, b.baseOffset, b.count])).toEqual([[0, 0, 3], [1, 0, 2], [0, 3, 4]]);
    expect(store.state(0)).toMatchObject({ startOffset: 0, nextOffset: 7, batches: 2 });
    expect(store.state(1)).toMatchObject({ startOffset: 0, nextOffset: 2, batches: 1 });
    const read = store.read(0, 0, 1 << 20);
    expect(read.corrupt).toEqual([]);
    const values = read.batches.flatMap((b) => decodeBatch(b.body, b.codec)).map((r) => (r.value as { seq: number }).seq);
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6]);
    store.close();
  });

  it('reads the first batch, then only whole batches within maxBytes and maxRecords (counted from the offset asked)', () => {
    const store = new SqliteLogStore({ path, partitions: 1 });
    store.append(Array.from({ length: 10 }, (_, i) => ({ partition: 0, ...encodeBatch(records(10, 10 * i)) })));
    const bases = (from: number, maxBytes: number, maxRecords?: number) => store.read(0, from, maxBytes, maxRecords).batches.map((b) => b.baseOffset);
    expect(bases(0, 1 << 20, 25)).toEqual([0, 10]);
    expect(bases(0, 1 << 20, 30)).toEqual([0, 10, 20]);
    // 5 records of the first batch count, so the next one (10 more) would pass 10
    expect(bases(5, 1 << 20, 10)).toEqual([0]);
    expect(bases(5, 1 << 20, 15)).toEqual([0, 10]);
    expect(bases(0, 1 << 20, 1)).toEqual([0]);
    const bytesAt = (from: number) => store.read(0, from, 1).batches[0]!.body.length;
    expect(bases(0, bytesAt(0) + bytesAt(10))).toEqual([0, 10]);
    expect(bases(0, bytesAt(0) + bytesAt(10) - 1)).toEqual([0]);
    expect(bases(0, 1 << 20)).toHaveLength(10);
    store.close();
  });

  it('reads from the batch holding an offset in the middle', () => {
    const store = new SqliteLogStore({ path, partitions: 1 });
    store.append([{ partition: 0, ...encodeBatch(records(10)) }, { partition: 0, ...encodeBatch(records(10, 10)) }]);
    const read = store.read(0, 15, 1);
    expect(read.batches.map((b) => b.baseOffset)).toEqual([10]);
    expect(store.read(0, 20, 1 << 20).batches).toEqual([]);
    store.close();
  });

  it('keeps its log id, offsets and cursors across reopen, and a new file gets a new log id', () => {
    const store = new SqliteLogStore({ path, partitions: 2 });
    const logId = store.logId;
    store.append([{ partition: 1, ...encodeBatch(records(5)) }]);
    store.setCursor('forward', 1, 3);
    store.close();
    const again = new SqliteLogStore({ path, partitions: 2 });
    expect(again.logId).toBe(logId);
    expect(again.state(1).nextOffset).toBe(5);
    expect(again.cursor('forward', 1)).toBe(3);
    again.close();
    const other = new SqliteLogStore({ path: join(dir.path, 'other.db'), partitions: 2 });
    expect(other.logId).not.toBe(logId);
    other.close();
  });

  it('sets synchronous=FULL and WAL explicitly', () => {
    const store = new SqliteLogStore({ path, partitions: 1 });
    expect(store.database.pragma('synchronous', { simple: true })).toBe(2);
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
  });

  it('saves cursors in the same transaction as appended data', () => {
    const store = new SqliteLogStore({ path, partitions: 1 });
    store.setCursor('forward', 0, 42);
    store.append([{ partition: 0, ...encodeBatch(records(1)) }]);
    const peek = new Database(path, { readonly: true });
    expect(peek.prepare("SELECT offset FROM cursors WHERE name = 'forward'").pluck().get()).toBe(42);
    peek.close();
    store.close();
  });

  it('deletes whole oldest batches and moves the start offset', () => {
    const store = new SqliteLogStore({ path, partitions: 1 });
    store.append([0, 1, 2].map((i) => ({ partition: 0, ...encodeBatch(records(4, i * 4)) })));
    const deleted = store.deleteOldest(0, (b) => b.baseOffset < 8);
    expect(deleted.records).toBe(8);
    expect(store.state(0)).toMatchObject({ startOffset: 8, nextOffset: 12, batches: 1 });
    expect(store.read(0, 0, 1 << 20).batches.map((b) => b.baseOffset)).toEqual([8]);
    expect(verifyLog(store.database).problems).toEqual([]);
    store.close();
  });

  it('skips a corrupt batch on read, counts it once as dropped, and keeps serving the rest', () => {
    const store = new SqliteLogStore({ path, partitions: 1 });
    store.append([0, 1, 2].map((i) => ({ partition: 0, ...encodeBatch(records(5, i * 5)) })));
    // Flip one byte of the middle batch's body behind the store's back.
    store.database.prepare("UPDATE batches SET body = CAST(replace(CAST(body AS TEXT), '\"seq\":7', '\"seq\":8') AS BLOB) WHERE base_offset = 5").run();
    const verify = verifyLog(store.database);
    expect(verify.problems).toHaveLength(1);
    expect(verify.problems[0]).toMatchObject({ partition: 0, baseOffset: 5 });
    const read = store.read(0, 0, 1 << 20);
    expect(read.batches.map((b) => b.baseOffset)).toEqual([0, 10]);
    expect(read.corrupt).toEqual([{ baseOffset: 5, count: 5 }]);
    store.read(0, 0, 1 << 20);
    expect(store.dropped()).toEqual([{ partition: 0, reason: 'corrupt', records: 5 }]);
    expect(verifyLog(store.database)).toMatchObject({ quarantined: 1, problems: [] });
    store.close();
  });

  it('turns a full disk into a retriable ERR_LOG_DISK_FULL and stays usable after room is made', () => {
    const store = new SqliteLogStore({ path, partitions: 1 });
    store.append([{ partition: 0, ...encodeBatch(records(10)) }]);
    const pages = store.database.pragma('page_count', { simple: true }) as number;
    store.database.pragma(`max_page_count = ${pages + 2}`);
    const big = { partition: 0, ...encodeBatch(records(2000, 10)) };
    let error: unknown;
    try {
      store.append([big]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_LOG_DISK_FULL', retriable: true });
    expect(store.state(0).nextOffset).toBe(10);
    store.database.pragma('max_page_count = 1000000');
    expect(store.append([big])[0]!.baseOffset).toBe(10);
    expect(verifyLog(store.database).problems).toEqual([]);
    store.close();
  });

  it('moves an unreadable database aside and starts a new log instead of crash-looping', () => {
    writeFileSync(path, 'this is not a sqlite database, just garbage bytes'.repeat(100));
    const store = new SqliteLogStore({ path, partitions: 1 });
    store.append([{ partition: 0, ...encodeBatch(records(1)) }]);
    expect(store.state(0).nextOffset).toBe(1);
    store.close();
    expect(readdirSync(dir.path).some((f) => f.startsWith('log.db.corrupt-'))).toBe(true);
  });

  it('refuses an unknown partition with a clear error', () => {
    const store = new SqliteLogStore({ path, partitions: 2 });
    expect(() => store.state(5)).toThrow(/partition 5 does not exist \(this log has 2\)/);
    store.close();
  });

  it('sizes its SQLite page cache: 16 MiB by default, smaller when asked (the agent uses 2 MiB)', () => {
    const cacheKiB = (store: SqliteLogStore) => (store as unknown as { db: Database.Database }).db.pragma('cache_size', { simple: true });
    const byDefault = new SqliteLogStore({ path, partitions: 1 });
    expect(cacheKiB(byDefault)).toBe(-16_000);
    byDefault.close();
    const small = new SqliteLogStore({ path, partitions: 1, cacheBytes: 2 * 1024 * 1024 });
    expect(cacheKiB(small)).toBe(-2048);
    small.close();
  });

  it('read-only: counts every record ever appended, also after retention deleted some', () => {
    const store = new SqliteLogStore({ path, partitions: 2 });
    store.append([{ partition: 0, ...encodeBatch(records(10)) }, { partition: 1, ...encodeBatch(records(5)) }, { partition: 0, ...encodeBatch(records(3, 10)) }]);
    store.deleteOldest(0, (batch) => batch.baseOffset === 0);
    store.close();
    const log = openReadOnlyLog(path);
    expect(log.recordsAppended()).toBe(18);
    log.close();
  });
});
