import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeRecord, joinEncodedRecords } from '../../../core/log/batch.js';
import type { DataRecord } from '../../../core/record.js';

describe('record encoding', () => {
  const frame = '{ "t": 21.50,\n  "tags": ["a", "\\u00e9"], "n": null }';
  const parsed: DataRecord = { key: 'dev "7"', ts: 1_700_000_000_123, value: JSON.parse(frame), attrs: { topic: 'a/b' } };

  it('stores the value\'s JSON text as received when the record carries it, and decodes to the same record', () => {
    const withText = encodeRecord({ ...parsed, valueJson: frame });
    expect(withText).toContain(frame);
    const [decoded] = decodeBatch(joinEncodedRecords([withText]), 0);
    expect(decoded).toEqual({ key: parsed.key, ts: parsed.ts, value: parsed.value, attrs: parsed.attrs });
  });

  it('serialises the value when there is no text, to the same decoded record', () => {
    const plain = encodeRecord(parsed);
    expect(plain).toBe(JSON.stringify([parsed.key, parsed.ts, parsed.value, parsed.attrs]));
    const both = decodeBatch(joinEncodedRecords([plain, encodeRecord({ ...parsed, valueJson: frame })]), 0);
    expect(both[0]).toEqual(both[1]);
  });
});
