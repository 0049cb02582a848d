import { describe, expect, it } from 'vitest';
import { batchCrc, Codec, decodeBatch, encodeBatch, type StoredBatch } from '../../../core/log/batch.js';
import { decodeBatchFrame } from '../../../core/protocol.js';
import type { DataRecord } from '../../../core/record.js';
import { buildWireBatch } from '../../../agent/forward/wire-batch.js';

const recs = (from: number, n: number): DataRecord[] => Array.from({ length: n }, (_, i) => ({ key: `k${(from + i) % 3}`, ts: 1000 + from + i, value: { seq: from + i, text: 'reading '.repeat(10) }, attrs: { source: 's' } }));

function stored(baseOffset: number, n: number): StoredBatch {
  const unsigned = { ...encodeBatch(recs(baseOffset, n)), partition: 2, baseOffset };
  return { ...unsigned, appendTs: 5, crc: batchCrc(unsigned) };
}

describe('buildWireBatch', () => {
  it('sends a single stored batch unchanged: same body, same CRC', () => {
    const b = stored(10, 4);
    const wire = buildWireBatch('log-1', [b], 'none');
    const { header, body } = decodeBatchFrame(wire.frame);
    expect(body.equals(b.body)).toBe(true);
    expect(header).toMatchObject({ logId: 'log-1', partition: 2, baseOffset: 10, count: 4, crc: b.crc, codec: Codec.json });
    expect(wire).toMatchObject({ baseOffset: 10, end: 14, count: 4 });
  });

  it('merges consecutive batches into one valid frame holding every record in order', () => {
    const wire = buildWireBatch('log-1', [stored(0, 3), stored(3, 2), stored(5, 4)], 'none');
    const { header, body } = decodeBatchFrame(wire.frame);
    expect(header).toMatchObject({ baseOffset: 0, count: 9 });
    expect(decodeBatch(body, header.codec)).toEqual(recs(0, 9));
  });

  it('deflates bodies over 1 KiB when asked, and the hub side decodes them', () => {
    const wire = buildWireBatch('log-1', [stored(0, 50)], 'deflate');
    const { header, body } = decodeBatchFrame(wire.frame);
    expect(header.codec).toBe(Codec.jsonDeflate);
    expect(body.length).toBeLessThan(stored(0, 50).body.length / 3);
    expect(decodeBatch(body, header.codec)).toEqual(recs(0, 50));
  });

  it('carries a declared gap', () => {
    const { header } = decodeBatchFrame(buildWireBatch('log-1', [stored(20, 1)], 'none', 12).frame);
    expect(header.gapFrom).toBe(12);
  });
});
