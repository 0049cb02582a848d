import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../core/log/batch.js';
import { Metrics } from '../../../core/metrics.js';
import { aggregateSettings } from '../../../hub/aggregate/config.js';
import { PartitionAggregator } from '../../../hub/aggregate/engine.js';
import { AggregateQueries } from '../../../hub/aggregate/query.js';
import { readInto } from '../../../hub/aggregate/reader.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { openHubDb } from './aggregate-harness.js';

const T0 = 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000);
const settings = aggregateSettings({ windows: ['1m'], allowed_lateness_ms: 3_600_000 });

describe('readInto', () => {
  let dir: ReturnType<typeof tempDir>;
  let hub: ReturnType<typeof openHubDb>;
  beforeEach(() => {
    dir = tempDir();
    hub = openHubDb(dir.path);
    // Ten batches of ten records on partition 2: values 0..99, one a second.
    for (let b = 0; b < 10; b++) {
      hub.store.append([{ partition: 2, ...encodeBatch(Array.from({ length: 10 }, (_, i) => ({ key: 'd', ts: T0 + (b * 10 + i) * 1000, value: { v: b * 10 + i }, attrs: {} }))) }]);
    }
  });
  afterEach(() => {
    hub.store.close();
    dir.remove();
  });

  it('reads the partition from the aggregator position in steps until the end, and resumes mid-batch after a restart', () => {
    const first = new PartitionAggregator(hub.db, settings, { partition: 2, committedOffset: 0 });
    expect(readInto(first, hub.store, { maxBytes: 1 })).toMatchObject({ records: 10, atEnd: false });
    first.flush(hub.writeOffset(2));
    // As if records 10..14 had been flushed too (offset 15, mid-batch): resuming there must not apply them twice.
    hub.db.prepare('UPDATE test_offsets SET next_offset = 15 WHERE partition = 2').run();
    hub.db.prepare('UPDATE aggregate_windows SET count = 15, sum = 105').run();
    const second = new PartitionAggregator(hub.db, settings, { partition: 2, committedOffset: hub.committed(2) });
    let rounds = 0;
    for (;;) {
      rounds += 1;
      if (readInto(second, hub.store, { maxBytes: 1 }).atEnd) break;
    }
    second.flush(hub.writeOffset(2));
    expect(rounds).toBe(9);
    expect(hub.committed(2)).toBe(100);
    const minutes = new AggregateQueries(hub.db, settings.windowsMs).queryWindows({ window_ms: '1m' });
    let sum = 0;
    for (let v = 0; v < 60; v++) sum += v;
    expect(minutes.map((w) => [w.count, w.sum])).toEqual([[60, sum], [40, 4950 - sum]]);
  });

  it('skips and counts records deleted by retention before the aggregator read them', () => {
    hub.store.deleteOldest(2, (batch) => batch.baseOffset < 30);
    const metrics = new Metrics();
    const aggregator = new PartitionAggregator(hub.db, settings, { partition: 2, committedOffset: 0 });
    expect(readInto(aggregator, hub.store, { metrics })).toMatchObject({ lost: 30, records: 70, atEnd: true });
    aggregator.flush(hub.writeOffset(2));
    expect(metrics.get('tributary_aggregate_skipped_records_total', { partition: '2', reason: 'lost' })).toBe(30);
    expect(hub.committed(2)).toBe(100);
  });

  it('skips and counts a corrupt batch and goes on with the next one', () => {
    hub.db.prepare('UPDATE batches SET crc = crc + 1 WHERE partition = 2 AND base_offset = 20').run();
    const metrics = new Metrics();
    const aggregator = new PartitionAggregator(hub.db, settings, { partition: 2, committedOffset: 0 });
    expect(readInto(aggregator, hub.store, { metrics, maxBytes: 1 << 20 })).toMatchObject({ corrupt: 10, records: 90, atEnd: true });
    aggregator.flush(hub.writeOffset(2));
    expect(metrics.get('tributary_aggregate_skipped_records_total', { partition: '2', reason: 'corrupt' })).toBe(10);
    const total = new AggregateQueries(hub.db, settings.windowsMs).queryWindows({ window_ms: '1m' }).reduce((n, w) => n + w.count, 0);
    expect(total).toBe(90);
  });
});
