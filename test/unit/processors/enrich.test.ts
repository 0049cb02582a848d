import { describe, expect, it } from 'vitest';
import { enrichSpec, type EnrichConfig } from '../../../agent/processors/enrich.js';
import type { JsonValue } from '../../../core/record.js';
import { counts, frozen, rec, runOne, testContext } from './harness.js';

const config = (attrs: Record<string, string>, fields: Record<string, JsonValue>): EnrichConfig => ({ type: 'enrich', inputs: ['src'], attrs, fields });

describe('enrich', () => {
  it('adds static attrs and fields; static values win; the input is untouched', () => {
    const context = testContext();
    const enrich = enrichSpec.create(config({ site: 'gh1', room: 'north' }, { building: 'B2', calibration: { offset: 0.5 }, temp: 0 }), context);
    const input = frozen(rec({ temp: 21 }, { attrs: { site: 'old', topic: 't' } }));
    const [out] = runOne(enrich, input);
    expect(out!.record).toEqual({
      key: 'dev-1',
      ts: 1_700_000_000_000,
      value: { temp: 0, building: 'B2', calibration: { offset: 0.5 } },
      attrs: { site: 'gh1', topic: 't', room: 'north' },
    });
    expect(input.value).toEqual({ temp: 21 });
    expect(counts(context.metrics)).toEqual({ in: 1, out: 1, dropped: 0 });
  });

  it('shares frozen static fields so no record can change another', () => {
    const enrich = enrichSpec.create(config({}, { calibration: { offset: 0.5 } }), testContext());
    const a = runOne(enrich, rec({}))[0]!.record.value as { calibration: { offset: number } };
    expect(Object.isFrozen(a.calibration)).toBe(true);
    expect(() => {
      a.calibration.offset = 9;
    }).toThrow(TypeError);
  });

  it('with only attrs, takes any value', () => {
    const enrich = enrichSpec.create(config({ site: 'gh1' }, {}), testContext());
    expect(runOne(enrich, rec(42))[0]!.record).toEqual(rec(42, { attrs: { site: 'gh1' } }));
  });

  it('keeps the value\'s JSON text when it adds only attrs, drops it when it adds fields', () => {
    const input = rec({ t: 1 }, { valueJson: '{"t":1}' });
    expect(runOne(enrichSpec.create(config({ site: 'gh1' }, {}), testContext()), input)[0]!.record.valueJson).toBe('{"t":1}');
    expect(runOne(enrichSpec.create(config({}, { b: 2 }), testContext()), input)[0]!.record.valueJson).toBeUndefined();
  });

  it('throws when fields must go into a value that is not an object', () => {
    const enrich = enrichSpec.create(config({}, { a: 1 }), testContext());
    expect(() => runOne(enrich, rec(42))).toThrow(/this value is a number/);
    expect(() => runOne(enrich, rec(null))).toThrow(/this value is null/);
    expect(() => runOne(enrich, rec([1]))).toThrow(/this value is an array/);
  });

  it('check refuses an enrich that adds nothing', () => {
    expect(enrichSpec.check!(config({}, {}))).toHaveLength(1);
    expect(enrichSpec.check!(config({ a: 'b' }, {}))).toEqual([]);
  });
});
