import { describe, expect, it } from 'vitest';
import { createParser } from '../../../agent/parsers/index.js';
import { readEventTime } from '../../../agent/parsers/record-fields.js';
import { decodeBatch, encodeBatch } from '../../../core/log/batch.js';

describe('readEventTime', () => {
  it('refuses a digit string too long to be a finite number', () => {
    const huge = '9'.repeat(400);
    expect(Number(huge)).toBe(Infinity);
    expect(readEventTime(huge)).toBeUndefined();
    expect(readEventTime(`-${huge}`)).toBeUndefined();
    expect(readEventTime('1700000000000')).toBe(1_700_000_000_000);
  });

  it('makes such a ts_field a bad frame: a ts of Infinity is stored as null and its whole batch cannot be decoded', () => {
    const parser = createParser({ format: 'json', ts_field: 'ts' });
    const result = parser.parse(`{"ts":"${'9'.repeat(400)}","t":21.5}`);
    expect(result.ok).toBe(false);
    // Why it matters: the batch body would hold [key, null, ...], which decodeBatch (the hub) refuses.
    const batch = encodeBatch([{ key: 'a', ts: Infinity, value: 1, attrs: {} }]);
    expect(() => decodeBatch(batch.body, batch.codec)).toThrow(/malformed record tuple/);
  });
});
