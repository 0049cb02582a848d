import { describe, expect, it } from 'vitest';
import { checkExpression, compileExpression } from '../../../agent/expr/compile.js';
import { ExpressionError } from '../../../agent/expr/errors.js';
import { TributaryError } from '../../../core/errors.js';
import type { DataRecord } from '../../../core/record.js';
import { runtimeError } from './runtime-error.js';

function compileError(source: string): ExpressionError {
  try {
    compileExpression(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error).toBeInstanceOf(TributaryError);
    return error as ExpressionError;
  }
  throw new Error(`${source} compiled`);
}

describe('compile errors', () => {
  it.each([
    ['round(value.x', 'ERR_EXPR_SYNTAX', 14, 'expected ")" at column 14'],
    ['(1 + 2', 'ERR_EXPR_SYNTAX', 7, 'expected ")" at column 7'],
    ['value.temp >', 'ERR_EXPR_SYNTAX', 13, 'unexpected end of expression at column 13'],
    ['value.temp > 30 &&', 'ERR_EXPR_SYNTAX', 19, 'unexpected end of expression at column 19'],
    ['', 'ERR_EXPR_SYNTAX', 1, 'expression is empty at column 1'],
    ['value.temp = 3', 'ERR_EXPR_SYNTAX', 12, 'unexpected character "=" at column 12 (did you mean "=="?)'],
    ['a & b', 'ERR_EXPR_SYNTAX', 3, 'unexpected character "&"'],
    ['value.temp > 30 attrs', 'ERR_EXPR_SYNTAX', 17, 'unexpected "attrs" at column 17'],
    ['"open', 'ERR_EXPR_SYNTAX', 1, 'unterminated string'],
    ["'open\\'", 'ERR_EXPR_SYNTAX', 1, 'unterminated string'],
    ['value.list.0', 'ERR_EXPR_SYNTAX', 12, 'write [0] for an array element'],
    ['value.', 'ERR_EXPR_SYNTAX', 7, 'expected a field name after "."'],
    ['value[1', 'ERR_EXPR_SYNTAX', 8, 'expected "]"'],
    ['1 < 2 < 3', 'ERR_EXPR_SYNTAX', 7, 'comparisons cannot be chained'],
    ['1 < x in y', 'ERR_EXPR_UNKNOWN_IDENTIFIER', 5, 'unknown name "x"'],
    ['a ? b', 'ERR_EXPR_UNKNOWN_IDENTIFIER', 1, 'unknown name "a"'],
    ['true ? 1', 'ERR_EXPR_SYNTAX', 9, 'expected ":"'],
    ['12abc', 'ERR_EXPR_SYNTAX', 3, 'after a number'],
    ['1e', 'ERR_EXPR_SYNTAX', 3, 'digits after the exponent'],
    ['1e999', 'ERR_EXPR_SYNTAX', 1, 'too large'],
    ['"\\uZZ"', 'ERR_EXPR_SYNTAX', 2, 'bad unicode escape'],
    ['valeu.temp', 'ERR_EXPR_UNKNOWN_IDENTIFIER', 1, 'unknown name "valeu" at column 1 (did you mean "value"?)'],
    ['temp > 3', 'ERR_EXPR_UNKNOWN_IDENTIFIER', 1, 'e.g. value.temp'],
    ['now - ts', 'ERR_EXPR_UNKNOWN_IDENTIFIER', 1, 'write now()'],
    ['lenght(value.list)', 'ERR_EXPR_UNKNOWN_FUNCTION', 1, 'unknown function "lenght" at column 1 (did you mean len()?)'],
    ['1 + uppr("a")', 'ERR_EXPR_UNKNOWN_FUNCTION', 5, 'did you mean upper()?'],
    ['eval("1")', 'ERR_EXPR_UNKNOWN_FUNCTION', 1, 'unknown function "eval"'],
    ['abs()', 'ERR_EXPR_ARGUMENTS', 1, 'abs() takes 1 argument, got 0'],
    ['round(1, 2, 3)', 'ERR_EXPR_ARGUMENTS', 1, 'round() takes 1 or 2 arguments, got 3'],
    ['min()', 'ERR_EXPR_ARGUMENTS', 1, 'min() takes at least 1 arguments, got 0'],
    ['now(1)', 'ERR_EXPR_ARGUMENTS', 1, 'now() takes 0 arguments'],
    ['exists(1)', 'ERR_EXPR_ARGUMENTS', 8, 'exists() needs a field path'],
    ['exists(value)', 'ERR_EXPR_ARGUMENTS', 8, 'value always exists'],
    ['matches(key, attrs.re)', 'ERR_EXPR_ARGUMENTS', 14, 'regex as a string literal'],
    ['matches(key, "a", "g")', 'ERR_EXPR_ARGUMENTS', 19, 'flags must be'],
    ['matches(key, "(unclosed")', 'ERR_EXPR_REGEX', 14, 'invalid regex'],
    ['key in "abc"', 'ERR_EXPR_TYPE', 8, '"in" needs an array on its right, got string'],
    ['1 / (2 - 2)', 'ERR_EXPR_MATH', 3, 'division by zero'],
    ['-"a"', 'ERR_EXPR_TYPE', 1, '"-" needs a number'],
  ])('%s -> %s at column %i', (source, code, column, message) => {
    const error = compileError(source);
    expect(error.code).toBe(code);
    expect(error.column).toBe(column);
    expect(error.message).toContain(message);
  });

  it('points at line and column in a multi-line expression', () => {
    const error = compileError('value.temp > 30 &&\n  attrs.site ==');
    expect(error.line).toBe(2);
    expect(error.column).toBe(16);
    expect(error.message).toMatch(/at line 2, column 16 /);
  });

  it('shows a caret under the problem', () => {
    expect(compileError('round(value.x').pointer()).toBe('round(value.x\n             ^');
  });

  it('refuses hostile nesting and length without overflowing the stack', () => {
    expect(compileError('('.repeat(5000) + '1' + ')'.repeat(5000)).message).toMatch(/longer than|nested deeper/);
    expect(compileError('-'.repeat(1000) + '1').message).toMatch(/nested deeper than 64 levels/);
    expect(compileError('x'.repeat(20_000)).message).toMatch(/longer than 10000 characters/);
    expect(compileError('1+'.repeat(4999) + '1').message).toMatch(/more than 200 nested operations/);
    expect(compileError('value' + '[0]'.repeat(3000)).message).toMatch(/more than 200 nested operations/);
    expect(compileExpression('value.a + '.repeat(150) + '1')({ key: 'k', ts: 1, value: { a: 1 }, attrs: {} })).toBe(151);
  });
});

describe('checkExpression', () => {
  it('returns undefined for a good expression and the message for a bad one', () => {
    expect(checkExpression('value.temp > 30 && attrs.site == "gh1"')).toBeUndefined();
    expect(checkExpression('round(value.x')).toBe('expected ")" at column 14 (to close the arguments of round(; found the end of the expression)');
  });
});

describe('runtime type errors', () => {
  const record: DataRecord = { key: 'k', ts: 1, value: { temp: 20, name: 'x', list: [1] }, attrs: { site: 'gh1' } };

  it.each([
    ['value.temp * attrs.site', 'ERR_EXPR_TYPE', 12, '"*" needs two numbers, got number 20 from value.temp and string "gh1" from attrs.site'],
    ['value.missing * 2', 'ERR_EXPR_TYPE', 15, 'got null from value.missing and number 2 at column 15 (value.missing is missing or null; give a default with ??)'],
    ['value.temp + value.name', 'ERR_EXPR_TYPE', 12, '"+" adds two numbers or joins two strings'],
    ['value.list - 1', 'ERR_EXPR_TYPE', 12, 'got array [1] from value.list'],
    ['-value.name', 'ERR_EXPR_TYPE', 1, '"-" needs a number, got string "x" from value.name'],
    ['value.temp > value.name', 'ERR_EXPR_TYPE', 12, '">" compares two numbers or two strings'],
    ['value.name < 3', 'ERR_EXPR_TYPE', 12, '"<" compares two numbers or two strings, got string "x" from value.name and number 3'],
    ['1 in value.name', 'ERR_EXPR_TYPE', 3, '"in" needs an array on its right'],
    ['value.temp / (value.temp - 20)', 'ERR_EXPR_MATH', 12, 'division by zero'],
    ['value.temp % 0', 'ERR_EXPR_MATH', 12, 'remainder of a division by zero'],
    ['value.temp * 1e308', 'ERR_EXPR_MATH', 12, 'too large'],
  ])('%s throws %s at column %i', (source, code, column, message) => {
    const error = runtimeError(source, record);
    expect(error.code).toBe(code);
    expect(error.column).toBe(column);
    expect(error.message).toContain(message);
  });

  it('keeps working after an error (no state left behind)', () => {
    const fn = compileExpression('value.temp * 2');
    expect(() => fn({ ...record, value: { temp: 'hot' } })).toThrow(ExpressionError);
    expect(fn(record)).toBe(40);
  });
});
