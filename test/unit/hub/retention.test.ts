import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../core/log/batch.js';
import { SqliteLogStore } from '../../../core/log/sqlite-store.js';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import { HubRetention } from '../../../hub/log/retention.js';
import { tempDir } from '../../helpers/temp-dir.js';

describe('HubRetention', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteLogStore;
  beforeEach(() => {
    dir = tempDir();
    store = new SqliteLogStore({ path: join(dir.path, 'hub.db'), partitions: 1 });
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });
  const fill = (batches: number) => {
    for (let i = 0; i < batches; i++) store.append([{ partition: 0, ...encodeBatch([{ key: 'k', ts: i, value: 'x'.repeat(100), attrs: {} }]) }]);
  };

  it('deletes the oldest whole batches until the partition fits its share of max_bytes', () => {
    fill(10);
    const perBatch = store.state(0).bytes / 10;
    const retention = new HubRetention(store, { maxBytes: perBatch * 4, maxAgeMs: 3_600_000, logger: silentLogger(), metrics: new Metrics() });
    expect(retention.run()).toBe(6);
    expect(store.state(0)).toMatchObject({ startOffset: 6, nextOffset: 10, batches: 4 });
    retention.stop();
  });

  it('deletes batches older than max_age and keeps younger ones', () => {
    fill(3);
    const retention = new HubRetention(store, { maxBytes: 1 << 30, maxAgeMs: 1000, logger: silentLogger(), metrics: new Metrics() });
    expect(retention.run(Date.now())).toBe(0);
    expect(retention.run(Date.now() + 5000)).toBe(3);
    expect(store.state(0)).toMatchObject({ startOffset: 3, nextOffset: 3, batches: 0 });
    retention.stop();
  });
});
