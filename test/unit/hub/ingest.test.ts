import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, type StoredBatch } from '../../../core/log/batch.js';
import { SqliteLogStore } from '../../../core/log/sqlite-store.js';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import { encodeBatchFrame, headerOf, topics } from '../../../core/protocol.js';
import type { DataRecord } from '../../../core/record.js';
import { batchCrc } from '../../../core/log/batch.js';
import { HubIngest } from '../../../hub/ingest/ingest.js';
import { tempDir } from '../../helpers/temp-dir.js';

const LOG_ID = 'agent-log-1';
const recs = (from: number, n: number): DataRecord[] => Array.from({ length: n }, (_, i) => ({ key: 'dev', ts: from + i, value: { seq: from + i }, attrs: {} }));

/** A frame as the agent would send it: its stored batch at `baseOffset`. */
function frame(baseOffset: number, n: number, options: { partition?: number; gapFrom?: number; corrupt?: boolean } = {}): Buffer {
  const encoded = encodeBatch(recs(baseOffset, n));
  const unsigned = { ...encoded, partition: options.partition ?? 0, baseOffset };
  const stored: StoredBatch = { ...unsigned, appendTs: 0, crc: batchCrc(unsigned) };
  const f = encodeBatchFrame(headerOf(LOG_ID, stored, options.gapFrom), stored.body);
  if (options.corrupt) f.writeUInt8(f.readUInt8(f.length - 3) ^ 0xff, f.length - 3);
  return f;
}

describe('HubIngest', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteLogStore;
  let ingest: HubIngest;
  let metrics: Metrics;
  let sent: { topic: string; payload: string }[];
  const open = () => {
    store = new SqliteLogStore({ path: join(dir.path, 'hub.db'), partitions: 4 });
    metrics = new Metrics();
    sent = [];
    ingest = new HubIngest({ store, logger: silentLogger(), metrics, commitIntervalMs: 0, publishTo: (topic, payload) => sent.push({ topic, payload }) });
  };
  const seqs = (): number[] => {
    const out: number[] = [];
    for (let p = 0; p < store.partitions; p++) for (const b of store.read(p, 0, 1 << 30).batches) out.push(...decodeBatch(b.body, b.codec).map((r) => (r.value as { seq: number }).seq));
    return out;
  };
  const publish = (payload: Buffer, partition = 0) => ingest.onPublish('agent-a', { topic: topics.batches('agent-a', partition), payload });

  beforeEach(() => {
    dir = tempDir();
    open();
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  it('appends in order, acknowledges after the commit, and answers a hello with the committed positions', async () => {
    await Promise.all([publish(frame(0, 10)), publish(frame(10, 5))]);
    expect(seqs()).toEqual(Array.from({ length: 15 }, (_, i) => i));
    await ingest.onPublish('agent-a', { topic: topics.hello('agent-a'), payload: Buffer.from(JSON.stringify({ logId: LOG_ID, partitions: 2, agentVersion: 't' })) });
    expect(sent).toEqual([{ topic: topics.positions('agent-a'), payload: JSON.stringify({ logId: LOG_ID, next: { 0: 15, 1: 0 } }) }]);
    expect(metrics.get('tributary_hub_commits_total')).toBe(1);
  });

  it('acknowledges duplicates without appending them', async () => {
    await publish(frame(0, 10));
    await publish(frame(0, 10));
    await publish(frame(10, 5));
    await publish(frame(10, 5));
    expect(seqs()).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(metrics.get('tributary_hub_batches_total', { result: 'duplicate' })).toBe(2);
  });

  it('keeps only the new tail of a batch that overlaps what it has', async () => {
    await publish(frame(0, 10));
    await publish(frame(5, 10));
    expect(seqs()).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('refuses a batch after a gap (the agent reconnects and resumes) and tells the agent its position', async () => {
    await publish(frame(0, 10));
    await expect(publish(frame(20, 5))).rejects.toMatchObject({ code: 'ERR_INGEST_GAP' });
    expect(seqs()).toHaveLength(10);
    expect(JSON.parse(sent.at(-1)!.payload)).toEqual({ logId: LOG_ID, next: { 0: 10 } });
  });

  it('accepts a gap the agent declares (records lost at the edge) and counts them', async () => {
    await publish(frame(0, 10));
    await publish(frame(20, 5, { gapFrom: 10 }));
    expect(seqs()).toEqual([...Array.from({ length: 10 }, (_, i) => i), 20, 21, 22, 23, 24]);
    expect(metrics.get('tributary_hub_lost_at_edge_records_total', { agent: 'agent-a' })).toBe(10);
  });

  it('acknowledges but never appends a corrupt or mismatched batch, so it cannot wedge the connection', async () => {
    await publish(frame(0, 10, { corrupt: true }));
    await publish(Buffer.from('garbage that is not a frame'));
    await publish(frame(0, 10, { partition: 1 }), 0);
    expect(seqs()).toEqual([]);
    expect(metrics.get('tributary_hub_rejected_total', { agent: 'agent-a', reason: 'invalid' })).toBe(3);
  });

  it('gives up a batch that comes invalid twice unchanged where the hub waits, so its partition goes on; once is damage in transit', async () => {
    await publish(frame(0, 10));
    const bad = frame(10, 5, { corrupt: true });
    await publish(bad);
    // Acknowledged, not stored, position unchanged: the next batch is a gap and the agent resumes from 10.
    await expect(publish(frame(15, 5))).rejects.toMatchObject({ code: 'ERR_INGEST_GAP' });
    expect(metrics.get('tributary_hub_invalid_records_total', { agent: 'agent-a' })).toBe(0);
    // The same bytes again: given up, counted, and the hub's position moves past them durably.
    await publish(bad);
    expect(metrics.get('tributary_hub_invalid_records_total', { agent: 'agent-a' })).toBe(5);
    await publish(frame(15, 5));
    expect(seqs()).toEqual([...Array.from({ length: 10 }, (_, i) => i), 15, 16, 17, 18, 19]);
    store.close();
    open();
    await ingest.onPublish('agent-a', { topic: topics.hello('agent-a'), payload: Buffer.from(JSON.stringify({ logId: LOG_ID, partitions: 1, agentVersion: 't' })) });
    expect(JSON.parse(sent.at(-1)!.payload)).toEqual({ logId: LOG_ID, next: { 0: 20 } });
  });

  it('takes a batch that was damaged once and arrives intact when sent again', async () => {
    await publish(frame(0, 10, { corrupt: true }));
    await publish(frame(0, 10));
    expect(seqs()).toHaveLength(10);
    expect(metrics.get('tributary_hub_invalid_records_total', { agent: 'agent-a' })).toBe(0);
  });

  it('keeps each agent partition in one hub partition, different agents independent', async () => {
    await publish(frame(0, 10));
    await ingest.onPublish('agent-b', { topic: topics.batches('agent-b', 0), payload: frame(0, 10) });
    expect(seqs()).toHaveLength(20);
    expect(ingest.hubPartitionOf('agent-a', 0)).toBe(ingest.hubPartitionOf('agent-a', 0));
  });

  it('stores positions with the data: after a reopen duplicates are still recognised', async () => {
    await publish(frame(0, 10));
    store.close();
    open();
    await publish(frame(0, 10));
    await publish(frame(10, 1));
    expect(seqs()).toHaveLength(11);
  });

  it('rolls back positions when the commit fails, so the resent batch is appended later', async () => {
    // The failure counter exists at 0 from the start, so an increase() alert sees the first failure.
    expect(metrics.snapshot()).toContainEqual({ name: 'tributary_hub_commit_errors_total', labels: {}, value: 0 });
    const pages = store.database.pragma('page_count', { simple: true }) as number;
    store.database.pragma(`max_page_count = ${pages}`);
    const big = Buffer.concat([frame(0, 2000)]);
    await expect(publish(big)).rejects.toMatchObject({ code: 'ERR_LOG_DISK_FULL' });
    expect(metrics.get('tributary_hub_commit_errors_total')).toBe(1);
    store.database.pragma('max_page_count = 1000000');
    await publish(big);
    expect(seqs()).toHaveLength(2000);
  });
});
