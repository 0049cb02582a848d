import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../../agent/expr/compile.js';
import { FUNCTION_NAMES } from '../../../agent/expr/functions.js';
import type { DataRecord, JsonValue } from '../../../core/record.js';
import { runtimeError } from './runtime-error.js';

const record: DataRecord = {
  key: 'dev-7',
  ts: 1000,
  value: { n: -2.5, s: '  Mixed Case  ', list: [3, 1, 2], obj: { a: 1, b: null }, text: '42', flag: 'off', nothing: null },
  attrs: { site: 'GH1', id: 'gh42' },
};

function run(source: string): JsonValue {
  return compileExpression(source)(record);
}

const cases: Record<string, [string, JsonValue][]> = {
  abs: [['abs(-3)', 3], ['abs(value.n)', 2.5], ['abs(value.missing)', null]],
  round: [
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(2.4)', 2],
    ['round(1.005, 2)', 1.01],
    ['round(3.14159, 3)', 3.142],
    ['round(-1.255, 2)', -1.26],
    ['round(1234.5, -2)', 1200],
    ['round(value.missing, 1)', null],
    ['round(-0.4)', 0],
  ],
  floor: [['floor(2.7)', 2], ['floor(-2.1)', -3], ['floor(null)', null]],
  ceil: [['ceil(2.1)', 3], ['ceil(-2.7)', -2], ['ceil(null)', null]],
  sqrt: [['sqrt(16)', 4], ['sqrt(2.25)', 1.5], ['sqrt(null)', null]],
  min: [['min(3, 1, 2)', 1], ['min(value.list)', 1], ['min(5)', 5], ['min(4, value.missing)', 4], ['min(null, null)', null]],
  max: [['max(3, 1, 2)', 3], ['max(value.list)', 3], ['max(-1, value.missing, -5)', -1]],
  pow: [['pow(2, 10)', 1024], ['pow(9, 0.5)', 3], ['pow(value.missing, 2)', null]],
  lower: [['lower(attrs.site)', 'gh1'], ['lower(null)', null]],
  upper: [['upper("abc")', 'ABC'], ['upper(value.missing)', null]],
  trim: [['trim(value.s)', 'Mixed Case'], ['trim(null)', null]],
  len: [['len("abc")', 3], ['len(value.list)', 3], ['len(value.obj)', 2], ['len(value.missing)', 0], ['len("")', 0]],
  contains: [
    ['contains("greenhouse", "house")', true],
    ['contains("greenhouse", "barn")', false],
    ['contains(value.list, 2)', true],
    ['contains(value.list, 5)', false],
    ['contains([[1], [2]], [2])', true],
    ['contains(value.obj, "b")', true],
    ['contains(value.obj, "c")', false],
    ['contains(value.missing, "x")', false],
  ],
  starts_with: [['starts_with(attrs.id, "gh")', true], ['starts_with(attrs.id, "x")', false], ['starts_with(value.missing, "x")', false]],
  ends_with: [['ends_with(attrs.id, "42")', true], ['ends_with(attrs.id, "4")', false], ['ends_with(null, "x")', false]],
  number: [
    ['number("42")', 42],
    ['number(" 2.5 ")', 2.5],
    ['number(value.text) + 1', 43],
    ['number("abc")', null],
    ['number("")', null],
    ['number("Infinity")', null],
    ['number(true)', 1],
    ['number(false)', 0],
    ['number(7)', 7],
    ['number(null)', null],
    ['number([1])', null],
  ],
  string: [['string(42)', '42'], ['string(1.5)', '1.5'], ['string(true)', 'true'], ['string(null)', 'null'], ['string("x")', 'x'], ['string(value.list)', '[3,1,2]']],
  bool: [
    ['bool(1)', true],
    ['bool(0)', false],
    ['bool("yes")', true],
    ['bool("false")', false],
    ['bool(" OFF ")', false],
    ['bool(value.flag)', false],
    ['bool("0")', false],
    ['bool("")', false],
    ['bool(null)', false],
    ['bool([])', true],
  ],
  exists: [
    ['exists(value.n)', true],
    ['exists(value.nothing)', true],
    ['exists(value.missing)', false],
    ['exists(value.obj.b)', true],
    ['exists(value.obj.c)', false],
    ['exists(value.missing.deeper)', false],
    ['exists(value.list[2])', true],
    ['exists(value.list[3])', false],
    ['exists(attrs.site)', true],
    ['exists(attrs.nope)', false],
    ['exists(value.constructor)', false],
  ],
  is_number: [['is_number(value.n)', true], ['is_number(value.text)', false], ['is_number(value.missing)', false]],
  is_string: [['is_string(value.text)', true], ['is_string(value.n)', false], ['is_string(null)', false]],
  matches: [
    ['matches(attrs.id, "^gh[0-9]+$")', true],
    ['matches(attrs.id, "^GH")', false],
    ['matches(attrs.id, "^GH", "i")', true],
    ['matches(attrs.id, "\\d{2}$")', true],
    ['matches(value.missing, ".*")', false],
  ],
};

describe('built-in functions', () => {
  it('every whitelisted function is tested here', () => {
    expect(Object.keys(cases).concat('now').sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  for (const [name, examples] of Object.entries(cases)) {
    it.each(examples)(`${name}: %s = %j`, (source, expected) => {
      expect(run(source)).toEqual(expected);
    });
  }

  it('now() reads the injected clock on every evaluation', () => {
    let clock = 5_000;
    const age = compileExpression('now() - ts', { now: () => clock });
    expect(age(record)).toBe(4_000);
    clock = 6_500;
    expect(age(record)).toBe(5_500);
    expect(Math.abs((compileExpression('now()')(record) as number) - Date.now())).toBeLessThan(60_000);
  });

  it('compiles a regex once, not per record', () => {
    const original = globalThis.RegExp;
    let constructed = 0;
    globalThis.RegExp = new Proxy(original, {
      construct(target, args: [string, string]) {
        constructed++;
        return new target(...args);
      },
    });
    try {
      const fn = compileExpression('matches(attrs.id, "^gh")');
      const before = constructed;
      for (let i = 0; i < 100; i++) fn(record);
      expect(constructed).toBe(before);
    } finally {
      globalThis.RegExp = original;
    }
  });
});

describe('function type errors (runtime, with the call column)', () => {
  it('fails at compile time when the arguments are constants', () => {
    expect(() => compileExpression('pow(10, 400)')).toThrow(/pow\(\) has no finite result for these arguments at column 1/);
  });

  it.each([
    ['abs(value.s)', /abs\(\) needs a number, got string at column 1/],
    ['1 + round(value.text)', /round\(\) needs a number, got string at column 5/],
    ['round(value.n, 0.5)', /digits must be a whole number/],
    ['lower(value.n)', /lower\(\) needs a string, got number/],
    ['len(value.n)', /len\(\) needs a string, array or object, got number/],
    ['contains(value.n, 1)', /contains\(\) needs a string, array or object/],
    ['contains(value.s, 1)', /contains\(\) needs a string, got number/],
    ['starts_with(value.n, "x")', /starts_with\(\) needs a string, got number/],
    ['min(value.list, "a")', /min\(\) needs a number, got array/],
    ['sqrt(value.n)', /sqrt\(\) has no finite result/],
    ['pow(value.list[0], 1000)', /pow\(\) has no finite result/],
    ['matches(value.n, "x")', /matches\(\) needs a string, got number -2.5 from value.n at column 1/],
  ])('%s fails: %s', (source, message) => {
    const error = runtimeError(source, record);
    expect(error.code).toBe('ERR_EXPR_TYPE');
    expect(error.message).toMatch(message);
  });
});
