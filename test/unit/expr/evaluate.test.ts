import { describe, expect, it } from 'vitest';
import { compileCondition, compileExpression } from '../../../agent/expr/compile.js';
import type { DataRecord, JsonValue } from '../../../core/record.js';

const record: DataRecord = {
  key: 'gh1-t1',
  ts: 1_700_000_000_000,
  value: {
    temp: 31.5,
    humidity: 40,
    status: 'ok',
    zero: 0,
    nothing: null,
    list: [10, 20, 30],
    nested: { a: { b: 7 } },
    'odd key': 'odd',
    flag: true,
  },
  attrs: { site: 'gh1', topic: 'sensors/gh1-t1/climate' },
};

function run(source: string, on: DataRecord = record): JsonValue {
  return compileExpression(source)(on);
}

describe('literals', () => {
  it.each([
    ['42', 42],
    ['3.25', 3.25],
    ['1e3', 1000],
    ['2.5E-1', 0.25],
    ['"double"', 'double'],
    ["'single'", 'single'],
    ['"it\'s"', "it's"],
    ["'say \"hi\"'", 'say "hi"'],
    ['"a\\nb"', 'a\nb'],
    ['"\\u00e9\\u{1F600}"', 'é😀'],
    ['"\\d+"', '\\d+'],
    ['true', true],
    ['false', false],
    ['null', null],
    ['[1, "a", null, [true]]', [1, 'a', null, [true]]],
    ['[]', []],
  ])('%s evaluates to %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
});

describe('record fields', () => {
  it.each([
    ['key', 'gh1-t1'],
    ['ts', 1_700_000_000_000],
    ['value.temp', 31.5],
    ['value["odd key"]', 'odd'],
    ["value['odd key']", 'odd'],
    ['value.nested.a.b', 7],
    ['value.nested["a"].b', 7],
    ['value.list[0]', 10],
    ['value.list[2]', 30],
    ['value.list[-1]', 30],
    ['value.list[1 + 1]', 30],
    ['attrs.site', 'gh1'],
    ['attrs["topic"]', 'sensors/gh1-t1/climate'],
    ['value.nothing', null],
  ])('%s reads %j', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it('reads the whole value and attrs', () => {
    expect(run('value')).toBe(record.value);
    expect(run('attrs')).toEqual({ site: 'gh1', topic: 'sensors/gh1-t1/climate' });
  });

  it.each([
    'value.missing',
    'value.missing.deeper.still',
    'value.temp.x',
    'value.list[3]',
    'value.list[-4]',
    'value.list[0.5]',
    'value.list["0"]',
    'value.list.length',
    'value.nested[0]',
    'value.status.length',
    'attrs.missing',
    'key.length',
    'ts.x',
    'null.x',
    '[1, 2][5]',
  ])('%s is null instead of throwing', (source) => {
    expect(run(source)).toBeNull();
  });

  it('works on a record whose value is not an object', () => {
    const bare: DataRecord = { key: 'k', ts: 1, value: 21.5, attrs: {} };
    expect(run('value * 2', bare)).toBe(43);
    expect(run('value.temp', bare)).toBeNull();
    expect(run('value.temp ?? -1', bare)).toBe(-1);
  });
});

describe('prototype safety', () => {
  it.each([
    'value.constructor',
    'value.__proto__',
    'value.__proto__.x',
    'value["__proto__"]',
    'value.toString',
    'value.hasOwnProperty',
    'value.constructor.constructor',
    'value.list.constructor',
    'value.list.map',
    'value.status.constructor',
    'attrs.constructor',
    'attrs.__proto__',
    'value.nested.valueOf',
    '[].constructor',
  ])('%s is null', (source) => {
    expect(run(source)).toBeNull();
  });

  it('reads a field really named __proto__ (JSON.parse makes it an own field) as data', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": "c"}') as JsonValue;
    const withOwn: DataRecord = { key: 'k', ts: 1, value: parsed, attrs: {} };
    expect(run('value.__proto__.polluted', withOwn)).toBe(1);
    expect(run('value.constructor', withOwn)).toBe('c');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not read globals or prototype methods through names', () => {
    expect(() => compileExpression('process')).toThrow(/unknown name "process"/);
    expect(() => compileExpression('globalThis.process')).toThrow(/unknown name/);
    expect(() => compileExpression('constructor')).toThrow(/unknown name "constructor"/);
    expect(() => compileExpression('toString()')).toThrow(/unknown function "toString"/);
    expect(() => compileExpression('hasOwnProperty(value)')).toThrow(/unknown function/);
    expect(() => compileExpression('value.constructor("x")')).toThrow(/only built-in functions can be called/);
  });
});

describe('operators', () => {
  it.each([
    ['1 + 2', 3],
    ['7 - 10', -3],
    ['6 * 7', 42],
    ['7 / 2', 3.5],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['-value.temp', -31.5],
    ['- -3', 3],
    ['value.temp * 9 / 5 + 32', 88.7],
  ])('%s = %j', (source, expected) => {
    expect(run(source)).toBeCloseTo(expected, 10);
  });

  it('+ joins strings', () => {
    expect(run('"ab" + "cd"')).toBe('abcd');
    expect(run('attrs.site + "/" + key')).toBe('gh1/gh1-t1');
  });

  it.each([
    ['1 == 1', true],
    ['1 == 2', false],
    ['1 == "1"', false],
    ['"a" != "b"', true],
    ['null == null', true],
    ['value.missing == null', true],
    ['value.nothing == null', true],
    ['value.temp != null', true],
    ['value.list == [10, 20, 30]', true],
    ['value.list == [10, 20]', false],
    ['value.nested == value.nested', true],
    ['value.nested.a == [7]', false],
    ['2 < 3', true],
    ['3 <= 3', true],
    ['3 > 3', false],
    ['3 >= 3', true],
    ['"abc" < "abd"', true],
    ['"b" > "a"', true],
    ['value.temp > 30', true],
    ['30 < value.temp', true],
    ['value.missing > 30', false],
    ['value.missing < 30', false],
    ['null <= null', false],
    ['true && true', true],
    ['true && false', false],
    ['false || true', true],
    ['value.zero || value.status', true],
    ['value.status && ""', false],
    ['!true', false],
    ['!value.missing', true],
    ['!0', true],
    ['!"x"', false],
    ['![]', false],
    ['true and not false', true],
    ['false or true', true],
    ['"gh1" in ["gh1", "gh2"]', true],
    ['attrs.site in ["gh2", "gh3"]', false],
    ['attrs.site not in ["gh2", "gh3"]', true],
    ['value.temp in [31.5]', true],
    ['value.list in [[10, 20, 30], [1]]', true],
    ['value.missing in ["a"]', false],
    ['value.missing in [null]', true],
    ['20 in value.list', true],
    ['25 in value.list', false],
    ['20 in value.missing', false],
    ['20 not in value.missing', true],
  ])('%s is %j', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('?? gives a default for null and missing fields only', () => {
    expect(run('value.missing ?? 5')).toBe(5);
    expect(run('value.nothing ?? "d"')).toBe('d');
    expect(run('value.zero ?? 5')).toBe(0);
    expect(run('value.status ?? "d"')).toBe('ok');
    expect(run('value.missing ?? value.other ?? "last"')).toBe('last');
  });

  it('?: picks a branch by truthiness', () => {
    expect(run('value.temp > 30 ? "hot" : "ok"')).toBe('hot');
    expect(run('value.temp > 40 ? "very hot" : value.temp > 30 ? "hot" : "ok"')).toBe('hot');
    expect(run('value.missing ? 1 : 2')).toBe(2);
    expect(run('value.list ? 1 : 2')).toBe(1);
  });

  it('&& and || short-circuit: the other side is not evaluated', () => {
    expect(run('value.missing != null && value.missing * 2 > 1')).toBe(false);
    expect(run('value.missing == null || value.missing * 2 > 1')).toBe(true);
    expect(run('value.missing == null ? 0 : value.missing * 2')).toBe(0);
  });

  it('compileCondition gives booleans for any result', () => {
    expect(compileCondition('value.status')(record)).toBe(true);
    expect(compileCondition('value.zero')(record)).toBe(false);
    expect(compileCondition('value.missing')(record)).toBe(false);
    expect(compileCondition('1 + 1')(record)).toBe(true);
    expect(compileCondition('value.temp > 30 && attrs.site == "gh1"')(record)).toBe(true);
  });
});

describe('precedence and associativity', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['2 * 3 % 4', 2],
    ['-2 * 3', -6],
    ['-(2 + 3)', -5],
    ['1 + 2 == 3', true],
    ['1 < 2 == true', true],
    ['true || false && false', true],
    ['(true || false) && false', false],
    ['!false && false', false],
    ['not false && false', false],
    ['not 1 == 2', true],
    ['!1 == 2', false],
    ['not attrs.site in ["gh1"]', false],
    ['value.missing ?? 30 > 20', true],
    ['value.missing ?? 1 + 1', 2],
    ['false ? 1 : true ? 2 : 3', 2],
    ['true ? false ? 1 : 2 : 3', 2],
    ['1 + 1 > 1 ? "y" : "n"', 'y'],
    ['value.temp > 30 || value.humidity > 50 && false', true],
  ])('%s = %j', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('ignores whitespace and newlines', () => {
    expect(run('  value.temp\n  >\t30\n&& attrs . site == "gh1"  ')).toBe(true);
  });
});

describe('constant folding', () => {
  it('folds literals so repeated evaluations return the same constant', () => {
    const fn = compileExpression('[1, 2 * 3, "a" + "b"]');
    const first = fn(record);
    expect(first).toEqual([1, 6, 'ab']);
    expect(fn(record)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('reports an operation that always fails when compiling', () => {
    expect(() => compileExpression('value.temp > 0 ? 1 / 0 : 1')).toThrow(/division by zero at column 20/);
    expect(() => compileExpression('1 + "a"')).toThrow(/"\+" adds two numbers or joins two strings/);
  });

  it('does not fold now() or fields', () => {
    let clock = 1000;
    const fn = compileExpression('now() - ts', { now: () => clock });
    const r: DataRecord = { key: 'k', ts: 400, value: null, attrs: {} };
    expect(fn(r)).toBe(600);
    clock = 2000;
    expect(fn(r)).toBe(1600);
  });
});

describe('purity', () => {
  it('never changes the record', () => {
    const snapshot = structuredClone(record);
    for (const source of ['value.temp * 2', 'value.list', 'lower(attrs.site)', 'value.nested.a', '[value.list, 1]']) run(source);
    expect(record).toEqual(snapshot);
  });
});

describe('implementation safety', () => {
  it('the compiler never evaluates generated code', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const dir = new URL('../../../agent/expr/', import.meta.url);
    const files = (await readdir(dir)).filter((name) => name.endsWith('.ts'));
    expect(files).toContain('compile.ts');
    for (const name of files) {
      const text = await readFile(new URL(name, dir), 'utf8');
      expect(text, name).not.toMatch(/\beval\s*\(|new\s+Function\b|\bFunction\s*\(|\bvm\b/);
    }
  });
});
