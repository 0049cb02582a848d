import { describe, expect, it } from 'vitest';
import { createParser } from '../../../agent/parsers/index.js';

describe('lines parser', () => {
  it('trims by default, including a stray CR', () => {
    expect(createParser({ format: 'lines' }).parse('  hello world \r')).toEqual({ ok: true, value: 'hello world' });
  });

  it('keeps the frame as is with trim off', () => {
    expect(createParser({ format: 'lines', trim: false }).parse(' a\r')).toEqual({ ok: true, value: ' a\r' });
  });
});

describe('json parser', () => {
  const parser = createParser({ format: 'json' });

  it('parses one document per frame, keeping the frame as the value\'s JSON text', () => {
    const frame = '{"t": 21.5, "ok": true, "tags": ["a"]}';
    expect(parser.parse(frame)).toEqual({ ok: true, value: { t: 21.5, ok: true, tags: ['a'] }, json: frame });
    expect(parser.parse('42')).toEqual({ ok: true, value: 42, json: '42' });
  });

  it('reports non-JSON as a bad frame', () => {
    const result = parser.parse('{"t": 21.');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^invalid JSON: /);
    expect(parser.parse('hello').ok).toBe(false);
  });

  it('takes key and event time from fields (ms or ISO string, dotted paths)', () => {
    const keyed = createParser({ format: 'json', key_field: 'meta.device', ts_field: 'time' });
    expect(keyed.parse('{"meta": {"device": "th-7"}, "time": 1700000000123}')).toEqual({
      ok: true,
      key: 'th-7',
      ts: 1700000000123,
      value: { meta: { device: 'th-7' }, time: 1700000000123 },
      json: '{"meta": {"device": "th-7"}, "time": 1700000000123}',
    });
    expect(keyed.parse('{"meta": {"device": 12}, "time": "2024-05-01T10:00:00.500Z"}')).toMatchObject({
      ok: true,
      key: '12',
      ts: Date.parse('2024-05-01T10:00:00.500Z'),
    });
  });

  it('leaves key and time to the source when the fields are missing', () => {
    const keyed = createParser({ format: 'json', key_field: 'device', ts_field: 'time' });
    const result = keyed.parse('{"t": 1}');
    expect(result).toEqual({ ok: true, value: { t: 1 }, json: '{"t": 1}' });
  });

  it('rejects an unreadable event time or an object as key', () => {
    const keyed = createParser({ format: 'json', key_field: 'device', ts_field: 'time' });
    expect(keyed.parse('{"time": "yesterday"}')).toEqual({
      ok: false,
      reason: 'ts_field "time": expected epoch milliseconds or an ISO 8601 time, got "yesterday"',
    });
    expect(keyed.parse('{"device": {"id": 1}}')).toEqual({ ok: false, reason: 'key_field "device": expected a string or number, got {"id":1}' });
  });

  it('prefers an exact field name containing a dot over a path', () => {
    const keyed = createParser({ format: 'json', key_field: 'a.b' });
    expect(keyed.parse('{"a.b": "flat", "a": {"b": "nested"}}')).toMatchObject({ key: 'flat' });
  });
});

describe('csv parser', () => {
  it('maps cells to the configured header and infers numbers', () => {
    const parser = createParser({ format: 'csv', header: ['device', 'temperature_c', 'humidity_pct', 'code'] });
    expect(parser.parse('th-1, 21.5,-3e1,007\r')).toEqual({
      ok: true,
      value: { device: 'th-1', temperature_c: 21.5, humidity_pct: -30, code: '007' },
    });
  });

  it('turns empty cells into null and keeps quoted cells as text', () => {
    const parser = createParser({ format: 'csv', header: ['a', 'b', 'c'] });
    expect(parser.parse('"1,5",,"say ""hi"""')).toEqual({ ok: true, value: { a: '1,5', b: null, c: 'say "hi"' } });
  });

  it('keeps everything as text with infer_types off', () => {
    const parser = createParser({ format: 'csv', header: ['a', 'b'], infer_types: false });
    expect(parser.parse('1,')).toEqual({ ok: true, value: { a: '1', b: '' } });
  });

  it('reports a wrong column count as a bad frame', () => {
    const parser = createParser({ format: 'csv', header: ['a', 'b'] });
    expect(parser.parse('1,2,3')).toEqual({ ok: false, reason: 'expected 2 columns, got 3' });
    expect(parser.parse('1')).toEqual({ ok: false, reason: 'expected 2 columns, got 1' });
    expect(parser.parse('"1,2')).toEqual({ ok: false, reason: 'unterminated quoted cell in column 1' });
  });

  it('uses another delimiter', () => {
    const parser = createParser({ format: 'csv', header: ['a', 'b'], delimiter: ';' });
    expect(parser.parse('1,5;x')).toEqual({ ok: true, value: { a: '1,5', b: 'x' } });
    const tabs = createParser({ format: 'csv', header: ['a', 'b'], delimiter: '\t' });
    expect(tabs.parse('1\t x')).toEqual({ ok: true, value: { a: 1, b: 'x' } });
  });

  it('reads the header from the first frame, skips repeats of it and forgets it on reset', () => {
    const parser = createParser({ format: 'csv', header_line: true, key_field: 'device', ts_field: 'ts' });
    expect(parser.parse('ts,device,temperature_c')).toEqual({ ok: false, skip: true, reason: 'header line' });
    expect(parser.parse('1700000000000,th-2,19.25')).toEqual({
      ok: true,
      key: 'th-2',
      ts: 1700000000000,
      value: { ts: 1700000000000, device: 'th-2', temperature_c: 19.25 },
    });
    expect(parser.parse('ts,device,temperature_c\r')).toEqual({ ok: false, skip: true, reason: 'repeated header line' });
    parser.reset?.();
    expect(parser.parse('time,id')).toEqual({ ok: false, skip: true, reason: 'header line' });
    expect(parser.parse('5,x')).toEqual({ ok: true, value: { time: 5, id: 'x' } });
  });

  it('rejects a header line with duplicate names and waits for a good one', () => {
    const parser = createParser({ format: 'csv', header_line: true });
    expect(parser.parse('a,a')).toEqual({ ok: false, reason: 'header line: column name "a" appears twice' });
    expect(parser.parse('a,b')).toMatchObject({ ok: false, skip: true });
    expect(parser.parse('1,2')).toEqual({ ok: true, value: { a: 1, b: 2 } });
  });
});

describe('regex parser', () => {
  it('turns named groups into fields, numbers inferred', () => {
    const parser = createParser({ format: 'regex', pattern: '^T=(?<temperature_c>[-\\d.]+) H=(?<humidity_pct>[\\d.]+)(?: id=(?<id>\\w+))?$' });
    expect(parser.parse('T=-4.5 H=81')).toEqual({ ok: true, value: { temperature_c: -4.5, humidity_pct: 81, id: null } });
    expect(parser.parse('T=1 H=2 id=007')).toEqual({ ok: true, value: { temperature_c: 1, humidity_pct: 2, id: '007' } });
  });

  it('reports no match as a bad frame', () => {
    const parser = createParser({ format: 'regex', pattern: '^T=(?<t>\\d+)$' });
    expect(parser.parse('X=1')).toEqual({ ok: false, reason: 'no match for pattern /^T=(?<t>\\d+)$/' });
  });

  it('honours flags and infer_types off', () => {
    const parser = createParser({ format: 'regex', pattern: '^t=(?<t>\\d+)$', flags: 'i', infer_types: false });
    expect(parser.parse('T=12')).toEqual({ ok: true, value: { t: '12' } });
  });

  it('uses key_field and ts_field on the groups', () => {
    const parser = createParser({ format: 'regex', pattern: '^(?<id>\\w+) (?<at>\\S+) (?<v>\\d+)$', key_field: 'id', ts_field: 'at' });
    expect(parser.parse('pump3 2024-01-02T03:04:05Z 7')).toMatchObject({ ok: true, key: 'pump3', ts: Date.parse('2024-01-02T03:04:05Z') });
  });

  it('compiles the pattern once, not per frame', () => {
    const original = globalThis.RegExp;
    let constructed = 0;
    const parser = createParser({ format: 'regex', pattern: '^(?<v>\\d+)$' });
    globalThis.RegExp = new Proxy(original, {
      construct(target, args) {
        constructed++;
        return Reflect.construct(target, args) as object;
      },
    });
    try {
      for (let i = 0; i < 10; i++) expect(parser.parse(String(i)).ok).toBe(true);
    } finally {
      globalThis.RegExp = original;
    }
    expect(constructed).toBe(0);
  });
});
