import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { decodeBatch } from '../../../core/log/batch.js';
import { SqliteLogStore } from '../../../core/log/sqlite-store.js';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import { renderPrometheus } from '../../../core/prometheus.js';
import type { DataRecord } from '../../../core/record.js';
import { AgentBuffer, type BufferOptions } from '../../../agent/log/buffer.js';
import type { WhenFull } from '../../../agent/flow/types.js';
import { tempDir } from '../../helpers/temp-dir.js';

const record = (seq: number, key = 'dev'): DataRecord => ({ key, ts: 1_700_000_000_000 + seq, value: { seq, pad: 'x'.repeat(60) }, attrs: {} });

function allSeqs(store: SqliteLogStore, partition = 0): number[] {
  return store.read(partition, 0, 1 << 30).batches.flatMap((b) => decodeBatch(b.body, b.codec)).map((r) => (r.value as { seq: number }).seq);
}

describe('AgentBuffer', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteLogStore;
  let metrics: Metrics;
  const open = (partitions = 1) => {
    store = new SqliteLogStore({ path: join(dir.path, 'log.db'), partitions });
    return store;
  };
  const buffer = (overrides: Partial<BufferOptions> = {}, whenFull: WhenFull = 'block') =>
    new AgentBuffer(store, {
      maxBytes: 1 << 30,
      maxAgeMs: 3_600_000,
      whenFull: () => whenFull,
      commitIntervalMs: 0,
      batchMaxRecords: 100,
      batchMaxBytes: 1 << 20,
      ackCursors: [],
      logger: silentLogger(),
      metrics,
      ...overrides,
    });

  beforeEach(() => {
    dir = tempDir();
    metrics = new Metrics();
  });
  afterEach(() => {
    store?.close();
    dir.remove();
  });

  it('resolves appends only once the records are committed, visible to another connection', async () => {
    open();
    const b = buffer();
    const promises = Array.from({ length: 250 }, (_, i) => b.append(0, record(i)));
    const reader = new Database(join(dir.path, 'log.db'), { readonly: true });
    expect(reader.prepare('SELECT count(*) FROM batches').pluck().get()).toBe(0);
    await Promise.all(promises);
    expect(reader.prepare('SELECT sum(count) FROM batches').pluck().get()).toBe(250);
    reader.close();
    expect(allSeqs(store)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    // 250 records, 100 per batch: three batches, committed together.
    expect(store.state(0).batches).toBe(3);
    await b.close();
  });

  it('group-commits many partitions in few transactions', async () => {
    open(4);
    const b = buffer();
    await Promise.all(Array.from({ length: 400 }, (_, i) => b.append(i % 4, record(i, `k${i % 4}`))));
    expect(metrics.get('tributary_buffer_commits_total')).toBe(1);
    for (let p = 0; p < 4; p++) expect(store.state(p).nextOffset).toBe(100);
    await b.close();
  });

  it('block: holds records beyond the cap until they are acknowledged, then stores them', async () => {
    open();
    // Ten records make a batch of about 1050 bytes: two fit in 2500, a third does not.
    const b = buffer({ maxBytes: 2500, batchMaxRecords: 10, ackCursors: ['forward'] }, 'block');
    await Promise.all(Array.from({ length: 20 }, (_, i) => b.append(0, record(i))));
    let stored = false;
    const held = Promise.all(Array.from({ length: 10 }, (_, i) => b.append(0, record(20 + i)))).then(() => {
      stored = true;
    });
    await b.flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(stored).toBe(false);
    expect(b.status()[0]).toMatchObject({ blocked: true, pendingRecords: 10 });
    store.setCursor('forward', 0, 20);
    b.onAcknowledged();
    await held;
    expect(stored).toBe(true);
    expect(allSeqs(store).slice(-10)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    expect(store.dropped()).toEqual([]);
    await b.close();
  });

  it('every drop and commit error series exists at 0 from the start, so increase() alerts see the first one', async () => {
    open(3);
    const b = buffer({}, 'drop_oldest');
    const text = renderPrometheus(metrics);
    for (let p = 0; p < 3; p++) {
      for (const reason of ['buffer_full', 'corrupt']) expect(text).toContain(`tributary_buffer_dropped_records_total{partition="${p}",reason="${reason}"} 0\n`);
    }
    for (const reason of ['disk_full', 'error']) expect(text).toContain(`tributary_buffer_commit_errors_total{reason="${reason}"} 0\n`);
    expect(text.match(/^tributary_buffer_dropped_records_total\{/gm)).toHaveLength(6);
    await b.close();
  });

  it('drop_oldest: deletes the oldest unacknowledged records to make room and counts them', async () => {
    open();
    const b = buffer({ maxBytes: 3000, batchMaxRecords: 10, ackCursors: ['forward'] }, 'drop_oldest');
    for (let i = 0; i < 60; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => b.append(0, record(i + j))));
    const seqs = allSeqs(store);
    expect(seqs.at(-1)).toBe(59);
    const dropped = store.dropped().find((d) => d.reason === 'buffer_full')?.records ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(dropped + seqs.length).toBe(60);
    expect(metrics.total('tributary_buffer_dropped_records_total')).toBe(dropped);
    expect(metrics.get('tributary_buffer_dropped_records_total', { partition: '0', reason: 'buffer_full' })).toBe(dropped);
    await b.close();
  });

  it('drop_newest: keeps the stored records and counts the new ones it refused', async () => {
    open();
    const b = buffer({ maxBytes: 3000, batchMaxRecords: 10, ackCursors: ['forward'] }, 'drop_newest');
    for (let i = 0; i < 60; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => b.append(0, record(i + j))));
    const seqs = allSeqs(store);
    expect(seqs[0]).toBe(0);
    const dropped = store.dropped().find((d) => d.reason === 'buffer_full')?.records ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(dropped + seqs.length).toBe(60);
    await b.close();
  });

  it('frees acknowledged data first: nothing is dropped while acknowledged batches can go', async () => {
    open();
    const b = buffer({ maxBytes: 3000, batchMaxRecords: 10, ackCursors: [] }, 'drop_newest');
    for (let i = 0; i < 100; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => b.append(0, record(i + j))));
    expect(store.dropped()).toEqual([]);
    expect(allSeqs(store).at(-1)).toBe(99);
    expect(store.state(0).startOffset).toBeGreaterThan(0);
    await b.close();
  });

  it('age retention deletes acknowledged batches older than max_age, never unacknowledged ones', async () => {
    open();
    const b = buffer({ maxAgeMs: 50, maintenanceIntervalMs: 20, batchMaxRecords: 10, ackCursors: ['forward'] });
    await Promise.all(Array.from({ length: 30 }, (_, i) => b.append(0, record(i))));
    store.setCursor('forward', 0, 20);
    await new Promise((r) => setTimeout(r, 200));
    expect(store.state(0)).toMatchObject({ startOffset: 20, nextOffset: 30 });
    expect(allSeqs(store)).toEqual(Array.from({ length: 10 }, (_, i) => 20 + i));
    expect(store.dropped()).toEqual([]);
    await b.close();
  });

  it('survives a full disk: records stay unacknowledged, then are stored once there is room', async () => {
    open();
    const b = buffer({ batchMaxRecords: 1000, ackCursors: ['forward'] });
    await b.append(0, record(0));
    const pages = store.database.pragma('page_count', { simple: true }) as number;
    store.database.pragma(`max_page_count = ${pages}`);
    let stored = false;
    const pending = Promise.all(Array.from({ length: 500 }, (_, i) => b.append(0, record(i + 1)))).then(() => {
      stored = true;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(stored).toBe(false);
    expect(metrics.get('tributary_buffer_commit_errors_total', { reason: 'disk_full' })).toBeGreaterThan(0);
    store.database.pragma('max_page_count = 1000000');
    await pending;
    expect(allSeqs(store)).toHaveLength(501);
    await b.close();
  });

  it('rejects appends it could not make durable when closed, so nothing is acknowledged upstream', async () => {
    open();
    // Five records make a batch of about 530 bytes: two fit in 1200, a third does not.
    const b = buffer({ maxBytes: 1200, batchMaxRecords: 5, ackCursors: ['forward'] }, 'block');
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.append(0, record(i))));
    const held = Promise.all(Array.from({ length: 5 }, (_, i) => b.append(0, record(10 + i))));
    await b.close();
    await expect(held).rejects.toMatchObject({ code: 'ERR_BUFFER_CLOSED' });
    await expect(b.append(0, record(100))).rejects.toMatchObject({ code: 'ERR_BUFFER_CLOSED' });
  });
});
