import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeRecord, joinEncodedRecords } from '../../../core/log/batch.js';
import type { DataRecord } from '../../../core/record.js';
import { SharedAttrs } from '../../../agent/sources/shared-attrs.js';

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

  it('encodes shared (frozen) attrs exactly as plain ones, also when a record reuses them', () => {
    const shared = new SharedAttrs();
    const attrs = shared.get('a/b', () => ({ topic: 'a/b', source: 'mqtt' }));
    expect(Object.isFrozen(attrs)).toBe(true);
    expect(shared.get('a/b', () => ({ topic: 'other', source: 'x' }))).toBe(attrs);
    const plain: DataRecord = { key: 'k', ts: 1, value: { t: 2 }, attrs: { topic: 'a/b', source: 'mqtt' } };
    for (let i = 0; i < 2; i++) {
      expect(encodeRecord({ ...plain, attrs })).toBe(encodeRecord(plain));
      expect(encodeRecord({ ...plain, attrs, valueJson: '{"t":2}' })).toBe(encodeRecord(plain));
    }
  });
});
