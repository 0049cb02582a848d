import type { JsonValue } from '../../core/record.js';
import { jsonEquals, truthy, typeName } from './values.js';

/**
 * A wrong argument type inside a built-in function. The compiled call site turns it into an
 * ExpressionError (ERR_EXPR_TYPE) with the column of the call.
 */
export class ArgumentTypeError extends Error {}

/** A whitelisted function. `call` is undefined for those the compiler handles itself (exists, matches, now). */
export interface FunctionSpec {
  minArgs: number;
  maxArgs: number;
  /** Pure functions of constant arguments are evaluated at compile time. */
  pure: boolean;
  /** How to call it, for error hints. */
  usage: string;
  call?: (...args: JsonValue[]) => JsonValue;
}

/** Rounds half away from zero to `digits` decimals (negative: tens, hundreds...), robust to 1.005-style binary error. */
export function roundTo(n: number, digits = 0): number {
  const magnitude = Math.abs(n);
  let rounded: number;
  if (digits >= 0) {
    const factor = 10 ** digits;
    const scaled = magnitude * factor;
    if (scaled >= 2 ** 52) return n; // already beyond the requested precision
    rounded = Math.round(scaled * (1 + Number.EPSILON)) / factor;
  } else {
    const factor = 10 ** -digits;
    rounded = Math.round(magnitude / factor) * factor;
  }
  return n < 0 && rounded !== 0 ? -rounded : rounded;
}

function needNumber(fn: string, x: JsonValue): number {
  if (typeof x !== 'number') throw new ArgumentTypeError(`${fn}() needs a number, got ${typeName(x)}`);
  return x;
}

function needString(fn: string, x: JsonValue): string {
  if (typeof x !== 'string') throw new ArgumentTypeError(`${fn}() needs a string, got ${typeName(x)}`);
  return x;
}

function finite(fn: string, result: number): number {
  if (!Number.isFinite(result)) throw new ArgumentTypeError(`${fn}() has no finite result for these arguments`);
  return result;
}

/** One-number functions pass null through: a missing field stays missing. */
function numeric(fn: string, op: (x: number) => number): (x: JsonValue) => JsonValue {
  return (x) => (x === null ? null : finite(fn, op(needNumber(fn, x))));
}

/** String functions pass null through as well. */
function textual(fn: string, op: (s: string) => string): (x: JsonValue) => JsonValue {
  return (x) => (x === null ? null : op(needString(fn, x)));
}

/** min/max: over their arguments or one array; nulls are skipped (as SQL's LEAST/GREATEST in PostgreSQL). */
function extreme(fn: string, pick: (a: number, b: number) => number): (...args: JsonValue[]) => JsonValue {
  return (...args) => {
    const first = args[0];
    const values = args.length === 1 && Array.isArray(first) ? first : args;
    let result: number | null = null;
    for (const v of values) {
      if (v === null) continue;
      const n = needNumber(fn, v);
      result = result === null ? n : pick(result, n);
    }
    return result;
  };
}

const FALSE_WORDS = new Set(['false', '0', 'no', 'off', '']);

/** The whitelist: the only functions an expression can call. */
export const FUNCTIONS: Record<string, FunctionSpec> = {
  abs: { minArgs: 1, maxArgs: 1, pure: true, usage: 'abs(x)', call: numeric('abs', Math.abs) },
  round: {
    minArgs: 1,
    maxArgs: 2,
    pure: true,
    usage: 'round(x, digits?)',
    call: (x, digits = 0) => {
      if (x === null) return null;
      const n = needNumber('round', x);
      const d = digits === null ? 0 : needNumber('round', digits);
      if (!Number.isInteger(d) || d < -15 || d > 15) throw new ArgumentTypeError(`round() digits must be a whole number from -15 to 15, got ${d}`);
      return roundTo(n, d);
    },
  },
  floor: { minArgs: 1, maxArgs: 1, pure: true, usage: 'floor(x)', call: numeric('floor', Math.floor) },
  ceil: { minArgs: 1, maxArgs: 1, pure: true, usage: 'ceil(x)', call: numeric('ceil', Math.ceil) },
  sqrt: { minArgs: 1, maxArgs: 1, pure: true, usage: 'sqrt(x)', call: numeric('sqrt', Math.sqrt) },
  min: { minArgs: 1, maxArgs: Infinity, pure: true, usage: 'min(a, b, ...) or min(array)', call: extreme('min', Math.min) },
  max: { minArgs: 1, maxArgs: Infinity, pure: true, usage: 'max(a, b, ...) or max(array)', call: extreme('max', Math.max) },
  pow: {
    minArgs: 2,
    maxArgs: 2,
    pure: true,
    usage: 'pow(base, exponent)',
    call: (base, exponent) => (base === null || exponent === null ? null : finite('pow', needNumber('pow', base) ** needNumber('pow', exponent!))),
  },
  lower: { minArgs: 1, maxArgs: 1, pure: true, usage: 'lower(s)', call: textual('lower', (s) => s.toLowerCase()) },
  upper: { minArgs: 1, maxArgs: 1, pure: true, usage: 'upper(s)', call: textual('upper', (s) => s.toUpperCase()) },
  trim: { minArgs: 1, maxArgs: 1, pure: true, usage: 'trim(s)', call: textual('trim', (s) => s.trim()) },
  len: {
    minArgs: 1,
    maxArgs: 1,
    pure: true,
    usage: 'len(string | array | object)',
    call: (x) => {
      if (x === null) return 0;
      if (typeof x === 'string' || Array.isArray(x)) return x.length;
      if (typeof x === 'object') return Object.keys(x).length;
      throw new ArgumentTypeError(`len() needs a string, array or object, got ${typeName(x)}`);
    },
  },
  contains: {
    minArgs: 2,
    maxArgs: 2,
    pure: true,
    usage: 'contains(string | array | object, item)',
    call: (haystack, needle) => {
      if (haystack === null) return false;
      if (typeof haystack === 'string') return haystack.includes(needString('contains', needle!));
      if (Array.isArray(haystack)) return haystack.some((item) => jsonEquals(item, needle!));
      if (typeof haystack === 'object') return typeof needle === 'string' && Object.hasOwn(haystack, needle);
      throw new ArgumentTypeError(`contains() needs a string, array or object to search, got ${typeName(haystack)}`);
    },
  },
  starts_with: {
    minArgs: 2,
    maxArgs: 2,
    pure: true,
    usage: 'starts_with(s, prefix)',
    call: (s, prefix) => s !== null && needString('starts_with', s).startsWith(needString('starts_with', prefix!)),
  },
  ends_with: {
    minArgs: 2,
    maxArgs: 2,
    pure: true,
    usage: 'ends_with(s, suffix)',
    call: (s, suffix) => s !== null && needString('ends_with', s).endsWith(needString('ends_with', suffix!)),
  },
  number: {
    minArgs: 1,
    maxArgs: 1,
    pure: true,
    usage: 'number(x)',
    call: (x) => {
      if (typeof x === 'number') return x;
      if (typeof x === 'boolean') return x ? 1 : 0;
      if (typeof x !== 'string' || x.trim() === '') return null;
      const n = Number(x);
      return Number.isFinite(n) ? n : null;
    },
  },
  string: { minArgs: 1, maxArgs: 1, pure: true, usage: 'string(x)', call: (x) => (typeof x === 'string' ? x : JSON.stringify(x)) },
  bool: {
    minArgs: 1,
    maxArgs: 1,
    pure: true,
    usage: 'bool(x)',
    call: (x) => (typeof x === 'string' ? !FALSE_WORDS.has(x.trim().toLowerCase()) : truthy(x)),
  },
  is_number: { minArgs: 1, maxArgs: 1, pure: true, usage: 'is_number(x)', call: (x) => typeof x === 'number' },
  is_string: { minArgs: 1, maxArgs: 1, pure: true, usage: 'is_string(x)', call: (x) => typeof x === 'string' },
  exists: { minArgs: 1, maxArgs: 1, pure: false, usage: 'exists(value.field)' },
  matches: { minArgs: 2, maxArgs: 3, pure: false, usage: 'matches(s, "regex", "flags"?)' },
  now: { minArgs: 0, maxArgs: 0, pure: false, usage: 'now()' },
};

/** Names of the whitelisted functions, for suggestions and docs. */
export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS);
