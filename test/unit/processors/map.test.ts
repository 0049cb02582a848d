import { describe, expect, it } from 'vitest';
import { mapSpec, type MapConfig } from '../../../agent/processors/map.js';
import { TributaryError } from '../../../core/errors.js';
import { counts, frozen, rec, runOne, testContext } from './harness.js';

const config = (set: Record<string, string>, remove: string[] = []): MapConfig => ({ type: 'map', inputs: ['src'], set, remove });

function mapOne(set: Record<string, string>, input: ReturnType<typeof rec>, remove: string[] = []) {
  const out = runOne(mapSpec.create(config(set, remove), testContext()), input);
  expect(out).toHaveLength(1);
  return out[0]!.record;
}

describe('map', () => {
  it('sets value fields, nested fields, attrs, key and ts without touching the input', () => {
    const input = frozen(rec({ temp_c: 20, meta: { unit: 'c' }, keep: [1] }, { attrs: { topic: 'sensors/a/climate' } }));
    const out = mapOne(
      {
        'value.temp_f': 'value.temp_c * 9 / 5 + 32',
        'value.meta.unit': '"f"',
        'value.derived.level.deep': 'value.temp_c > 15',
        'attrs.device': 'lower("A-1")',
        'attrs.count': '3',
        key: 'attrs.topic',
        ts: 'ts + 1000',
      },
      input,
    );
    expect(out).toEqual({
      key: 'sensors/a/climate',
      ts: 1_700_000_001_000,
      value: { temp_c: 20, meta: { unit: 'f' }, keep: [1], temp_f: 68, derived: { level: { deep: true } } },
      attrs: { topic: 'sensors/a/climate', device: 'a-1', count: '3' },
    });
    expect(out).not.toBe(input);
    expect((out.value as { keep: unknown }).keep).toBe((input.value as { keep: unknown }).keep); // untouched parts are shared
    expect(input.value).toEqual({ temp_c: 20, meta: { unit: 'c' }, keep: [1] });
  });

  it('evaluates every expression against the input record, applying assignments in order', () => {
    const out = mapOne({ 'value.a': 'value.b', 'value.b': 'value.a', 'value.c': 'value.a' }, rec({ a: 1, b: 2 }));
    expect(out.value).toEqual({ a: 2, b: 1, c: 1 });
    const replaced = mapOne({ value: 'value.inner', 'value.extra': '1' }, frozen(rec({ inner: { x: 1 } })));
    expect(replaced.value).toEqual({ x: 1, extra: 1 });
  });

  it('removes fields after setting them; missing ones are ignored', () => {
    const input = frozen(rec({ a: 1, b: { c: 2, d: 3 } }, { attrs: { x: '1', y: '2' } }));
    const out = mapOne({ 'value.sum': 'value.a + value.b.c' }, input, ['value.a', 'value.b.c', 'value.nope.deeper', 'attrs.x', 'attrs.nope']);
    expect(out.value).toEqual({ b: { d: 3 }, sum: 3 });
    expect(out.attrs).toEqual({ y: '2' });
    expect(input.attrs).toEqual({ x: '1', y: '2' });
  });

  it('writes attributes as text and removes them on null', () => {
    const out = mapOne({ 'attrs.n': 'value.n', 'attrs.obj': 'value.o', 'attrs.gone': 'value.missing' }, rec({ n: 1.5, o: { a: [1] } }, { attrs: { gone: 'x' } }));
    expect(out.attrs).toEqual({ n: '1.5', obj: '{"a":[1]}' });
  });

  it('keeps a field named __proto__ as data', () => {
    const out = mapOne({ 'value["__proto__"]': '1', 'value.constructor': '2' }, rec({}));
    expect(Object.getPrototypeOf(out.value)).toBe(Object.prototype);
    expect(Object.hasOwn(out.value as object, '__proto__')).toBe(true);
    expect(JSON.stringify(out.value)).toBe('{"__proto__":1,"constructor":2}');
  });

  it('throws when a value does not fit its target (the caller dead-letters it)', () => {
    const map = mapSpec.create(config({ 'value.a.b': '1' }), testContext());
    expect(() => runOne(map, rec({ a: 5 }))).toThrow(/cannot set value\.a\.b: value\.a is a number, not an object/);
    expect(() => runOne(map, rec([1, 2]))).toThrow(/value is an array/);
    expect(() => runOne(mapSpec.create(config({ key: 'value.missing' }), testContext()), rec({}))).toThrow(/key must be a non-empty string/);
    expect(() => runOne(mapSpec.create(config({ ts: '"yesterday"' }), testContext()), rec({}))).toThrow(/ts must be a number/);
    expect(() => runOne(mapSpec.create(config({ 'value.x': 'value.s * 2' }), testContext()), rec({ s: 'a' }))).toThrow(TributaryError);
  });

  it('creates the value object when the value is null', () => {
    expect(mapOne({ 'value.a': '1' }, rec(null)).value).toEqual({ a: 1 });
  });

  it('counts records in and out', () => {
    const context = testContext();
    const map = mapSpec.create(config({ 'value.x': '1' }), context);
    runOne(map, rec({}));
    runOne(map, rec({}));
    expect(counts(context.metrics)).toEqual({ in: 2, out: 2, dropped: 0 });
  });

  it('check reports bad targets, expressions and removals with their paths', () => {
    const problems = mapSpec.check!({
      type: 'map',
      inputs: ['src'],
      set: { 'value.ok': 'value.a', 'vale.x': '1', 'value.list[0]': '1', 'value.y': 'value.a +', 'attrs.a.b': '1' },
      remove: ['key', 'value', 'value.fine', 'attrs'],
    });
    expect(problems.map((p) => p.path)).toEqual([
      ['set', 'vale.x'],
      ['set', 'value.list[0]'],
      ['set', 'value.y'],
      ['set', 'attrs.a.b'],
      ['remove', 0],
      ['remove', 1],
      ['remove', 3],
    ]);
    expect(problems[0]!.message).toMatch(/"vale\.x" is not a field path: unknown name "vale".*did you mean "value"/);
    expect(problems[1]!.message).toMatch(/not array elements/);
    expect(problems[2]!.message).toMatch(/^expression "value\.a \+": unexpected end of expression at column 10/);
    expect(problems[4]!.message).toMatch(/key cannot be removed/);
    expect(mapSpec.check!(config({}))).toEqual([{ path: [], message: 'map does nothing: give it fields to `set` or to `remove`' }]);
  });
});
