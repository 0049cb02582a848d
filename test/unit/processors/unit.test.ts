import { describe, expect, it } from 'vitest';
import { unitSpec, type UnitConfig } from '../../../agent/processors/unit.js';
import { converter, UNIT_NAMES, type UnitName } from '../../../agent/processors/units.js';
import { counts, frozen, rec, runOne, testContext } from './harness.js';

const config = (options: Partial<UnitConfig>): UnitConfig => ({ type: 'unit', inputs: ['src'], field: 'value.x', from: 'celsius', to: 'fahrenheit', ...options });

function convert(from: UnitName, to: UnitName, x: number): number {
  const fn = converter(from, to);
  if (typeof fn === 'string') throw new Error(fn);
  return fn(x);
}

describe('unit conversions', () => {
  it.each([
    ['fahrenheit', 'celsius', 212, 100],
    ['fahrenheit', 'celsius', 32, 0],
    ['celsius', 'fahrenheit', 100, 212],
    ['celsius', 'fahrenheit', -40, -40],
    ['celsius', 'kelvin', 0, 273.15],
    ['kelvin', 'celsius', 0, -273.15],
    ['kelvin', 'fahrenheit', 0, -459.67],
    ['fahrenheit', 'kelvin', 32, 273.15],
    ['hpa', 'pa', 1013.25, 101325],
    ['pa', 'kpa', 101325, 101.325],
    ['bar', 'hpa', 1, 1000],
    ['bar', 'psi', 1, 14.503773773],
    ['psi', 'kpa', 14.7, 101.352932],
    ['inhg', 'hpa', 29.92, 1013.2075888],
    ['km_h', 'm_s', 36, 10],
    ['m_s', 'km_h', 10, 36],
    ['knots', 'km_h', 1, 1.852],
    ['mph', 'km_h', 60, 96.56064],
    ['knots', 'mph', 1, 1.150779448],
    ['mi', 'km', 1, 1.609344],
    ['ft', 'm', 1, 0.3048],
    ['km', 'ft', 1, 3280.839895],
    ['m', 'm', 7, 7],
  ] as [UnitName, UnitName, number, number][])('%s -> %s: %d = %d', (from, to, x, expected) => {
    expect(convert(from, to, x)).toBeCloseTo(expected, 6);
  });

  it('gives exact results for the everyday cases', () => {
    expect(convert('fahrenheit', 'celsius', 212)).toBe(100);
    expect(convert('knots', 'km_h', 1)).toBe(1.852);
    expect(convert('km_h', 'm_s', 36)).toBe(10);
  });

  it('round-trips every unit within its quantity', () => {
    for (const a of UNIT_NAMES) {
      for (const b of UNIT_NAMES) {
        const forth = converter(a, b);
        if (typeof forth === 'string') continue;
        expect(convert(b, a, forth(123.456)), `${a} -> ${b} -> ${a}`).toBeCloseTo(123.456, 9);
      }
    }
  });

  it('refuses to convert between quantities', () => {
    expect(converter('celsius', 'pa')).toMatch(/cannot convert celsius \(temperature\) to pa \(pressure\); celsius converts to celsius, fahrenheit, kelvin/);
  });
});

describe('unit processor', () => {
  it('converts a field in place, rounding to digits, without touching the input', () => {
    const context = testContext();
    const unit = unitSpec.create(config({ field: 'value.climate.temp', from: 'fahrenheit', to: 'celsius', digits: 1 }), context);
    const input = frozen(rec({ climate: { temp: 70 }, other: 1 }));
    const [out] = runOne(unit, input);
    expect(out!.record.value).toEqual({ climate: { temp: 21.1 }, other: 1 });
    expect(input.value).toEqual({ climate: { temp: 70 }, other: 1 });
    expect(counts(context.metrics)).toEqual({ in: 1, out: 1, dropped: 0 });
  });

  it('writes to a target path, keeping the source field', () => {
    const unit = unitSpec.create(config({ field: 'value.p', from: 'hpa', to: 'inhg', target: 'value.p_inhg', digits: 2 }), testContext());
    expect(runOne(unit, rec({ p: 1013.25 }))[0]!.record.value).toEqual({ p: 1013.25, p_inhg: 29.92 });
  });

  it('converts a bare number value', () => {
    const unit = unitSpec.create(config({ field: 'value', from: 'celsius', to: 'fahrenheit' }), testContext());
    expect(runOne(unit, rec(100))[0]!.record.value).toBe(212);
  });

  it('passes records with a missing or null field unchanged', () => {
    const unit = unitSpec.create(config({}), testContext());
    const input = rec({ other: 1 });
    expect(runOne(unit, input)[0]!.record).toBe(input);
    const nullField = rec({ x: null });
    expect(runOne(unit, nullField)[0]!.record).toBe(nullField);
  });

  it('throws on a non-number (the caller dead-letters it)', () => {
    const unit = unitSpec.create(config({}), testContext());
    expect(() => runOne(unit, rec({ x: '21.5' }))).toThrow(/value\.x is a string, not a number to convert from celsius/);
  });

  it('check rejects incompatible units and bad paths', () => {
    expect(unitSpec.check!(config({ from: 'celsius', to: 'bar' }))).toEqual([{ path: ['to'], message: expect.stringMatching(/cannot convert celsius/) as string }]);
    expect(unitSpec.check!(config({ field: 'attrs.temp' })).map((p) => p.path)).toEqual([['field']]);
    expect(unitSpec.check!(config({ target: 'value.' })).map((p) => p.path)).toEqual([['target']]);
    expect(unitSpec.check!(config({}))).toEqual([]);
  });
});
