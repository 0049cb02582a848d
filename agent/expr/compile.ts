import type { DataRecord, JsonValue } from '../../core/record.js';
import type { Node, NodeOf } from './ast.js';
import { closest, ExpressionError } from './errors.js';
import { ArgumentTypeError, FUNCTION_NAMES, FUNCTIONS } from './functions.js';
import { parseExpression } from './parser.js';
import { field, hasMember, jsonEquals, member, preview, truthy, typeName } from './values.js';

/** A compiled expression: evaluates against one record; throws ExpressionError (ERR_EXPR_TYPE / ERR_EXPR_MATH) on a type error. */
export type CompiledExpression = (record: DataRecord) => JsonValue;

export interface CompileOptions {
  /** The clock behind now(); Date.now unless a test injects one. */
  now?: () => number;
}

type Evaluator = (record: DataRecord) => JsonValue;
type Predicate = (record: DataRecord) => boolean;

interface Compiled {
  fn: Evaluator;
  /** Present when the value is known at compile time (constant folding). */
  constant?: { value: JsonValue };
  /** The result is always a boolean: conditions skip the truthiness test. */
  boolean?: boolean;
}

/** Compiles an expression to a closure; throws ExpressionError with the column when it does not compile. */
export function compileExpression(source: string, options: CompileOptions = {}): CompiledExpression {
  return new Compiler(source, options.now ?? Date.now).compile(parseExpression(source)).fn;
}

/** Compiles an expression used as a condition: the closure returns its truthiness. */
export function compileCondition(source: string, options: CompileOptions = {}): (record: DataRecord) => boolean {
  return asPredicate(new Compiler(source, options.now ?? Date.now).compile(parseExpression(source)));
}

/** For config checks: the compile error message, or undefined when the expression compiles. */
export function checkExpression(source: string): string | undefined {
  try {
    compileExpression(source);
    return undefined;
  } catch (error) {
    if (error instanceof ExpressionError) return error.message;
    throw error;
  }
}

const UNUSED_RECORD: DataRecord = Object.freeze({ key: '', ts: 0, value: null, attrs: Object.freeze({}) }) as DataRecord;

function constant(value: JsonValue): Compiled {
  const frozen = deepFreeze(value);
  return { fn: () => frozen, constant: { value: frozen }, boolean: typeof frozen === 'boolean' };
}

function deepFreeze(value: JsonValue): JsonValue {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

function asPredicate(compiled: Compiled): Predicate {
  if (compiled.constant) {
    const result = truthy(compiled.constant.value);
    return () => result;
  }
  if (compiled.boolean) return compiled.fn as Predicate;
  const fn = compiled.fn;
  return (r) => truthy(fn(r));
}

function isPrimitive(value: JsonValue): value is string | number | boolean | null {
  return value === null || typeof value !== 'object';
}

/**
 * Deepest AST accepted. Long operator chains (`a + b + c ...`) parse without recursion but compile and
 * evaluate recursively: this bounds the stack both need, far above any real expression.
 */
const MAX_TREE_DEPTH = 200;

class Compiler {
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly clock: () => number,
  ) {}

  compile(node: Node): Compiled {
    if (++this.depth > MAX_TREE_DEPTH) {
      throw new ExpressionError('ERR_EXPR_SYNTAX', `expression has more than ${MAX_TREE_DEPTH} nested operations`, this.source, node.start, 'split it into several map steps');
    }
    try {
      return this.compileNode(node);
    } finally {
      this.depth--;
    }
  }

  private compileNode(node: Node): Compiled {
    switch (node.kind) {
      case 'literal':
        return constant(node.value);
      case 'root':
        return this.root(node);
      case 'member':
        return this.member(node);
      case 'array':
        return this.array(node);
      case 'unary':
        return this.unary(node);
      case 'binary':
        return this.binary(node);
      case 'logical':
        return this.logical(node);
      case 'conditional':
        return this.conditional(node);
      case 'in':
        return this.membership(node);
      case 'call':
        return this.call(node);
    }
  }

  /** Evaluates a node now when all its operands are constants; a failure is a compile error. */
  private fold(compiled: Compiled, operands: Compiled[]): Compiled {
    if (!operands.every((operand) => operand.constant)) return compiled;
    return constant(compiled.fn(UNUSED_RECORD));
  }

  private root(node: NodeOf<'root'>): Compiled {
    switch (node.name) {
      case 'key':
        return { fn: (r) => r.key };
      case 'ts':
        return { fn: (r) => r.ts };
      case 'value':
        return { fn: (r) => (r.value === undefined ? null : r.value) };
      case 'attrs':
        return { fn: (r) => r.attrs as JsonValue };
    }
  }

  private member(node: NodeOf<'member'>): Compiled {
    const names = staticFieldChain(node);
    if (names && names.root === 'value') return { fn: valueFieldReader(names.fields) };
    if (names && names.root === 'attrs' && names.fields.length === 1) {
      const name = names.fields[0]!;
      return { fn: (r) => (Object.hasOwn(r.attrs, name) ? (r.attrs[name] ?? null) : null) };
    }
    const object = this.compile(node.object);
    const property = this.compile(node.property);
    if (object.constant && property.constant) return constant(member(object.constant.value, property.constant.value));
    const target = object.fn;
    if (property.constant) {
      const key = property.constant.value;
      if (typeof key === 'string') return { fn: (r) => field(target(r), key) };
      return { fn: (r) => member(target(r), key) };
    }
    const index = property.fn;
    return { fn: (r) => member(target(r), index(r)) };
  }

  private array(node: NodeOf<'array'>): Compiled {
    const items = node.items.map((item) => this.compile(item));
    if (items.every((item) => item.constant)) return constant(items.map((item) => item.constant!.value));
    const fns = items.map((item) => item.fn);
    return { fn: (r) => fns.map((fn) => fn(r)) };
  }

  private unary(node: NodeOf<'unary'>): Compiled {
    const operand = this.compile(node.operand);
    const fn = operand.fn;
    if (node.op === '!') {
      const test = asPredicate(operand);
      return this.fold({ fn: (r) => !test(r), boolean: true }, [operand]);
    }
    const negate: Evaluator = (r) => {
      const x = fn(r);
      if (typeof x === 'number') return x === 0 ? 0 : -x;
      throw this.operandError('"-" needs a number', node.opAt, [node.operand, x]);
    };
    return this.fold({ fn: negate }, [operand]);
  }

  private binary(node: NodeOf<'binary'>): Compiled {
    const left = this.compile(node.left);
    const right = this.compile(node.right);
    let compiled: Compiled;
    switch (node.op) {
      case '==':
      case '!=':
        compiled = this.equality(left, right, node.op === '!=');
        break;
      case '<':
      case '<=':
      case '>':
      case '>=':
        compiled = this.comparison(node, left, right);
        break;
      default:
        compiled = this.arithmetic(node, left, right);
    }
    return this.fold(compiled, [left, right]);
  }

  private equality(left: Compiled, right: Compiled, negate: boolean): Compiled {
    const l = left.fn;
    const r = right.fn;
    // Against a primitive constant, identity is equality: no deep comparison needed.
    const known = right.constant && isPrimitive(right.constant.value) ? right : left.constant && isPrimitive(left.constant.value) ? left : undefined;
    if (known) {
      const k = known.constant!.value;
      const other = known === right ? l : r;
      return { fn: negate ? (rec) => other(rec) !== k : (rec) => other(rec) === k, boolean: true };
    }
    return { fn: negate ? (rec) => !jsonEquals(l(rec), r(rec)) : (rec) => jsonEquals(l(rec), r(rec)), boolean: true };
  }

  private comparison(node: NodeOf<'binary'>, left: Compiled, right: Compiled): Compiled {
    const compare = COMPARE[node.op as '<' | '<=' | '>' | '>='];
    const fail = (a: JsonValue, b: JsonValue): never => {
      throw this.operandError(`"${node.op}" compares two numbers or two strings`, node.opAt, [node.left, a], [node.right, b]);
    };
    const l = left.fn;
    const r = right.fn;
    const k = right.constant?.value;
    // The common `value.temp > 30`: one closure, no call for the constant.
    if (typeof k === 'number' || typeof k === 'string') {
      const kind = typeof k;
      return {
        fn: (rec) => {
          const a = l(rec);
          if (typeof a === kind) return compare(a as number, k as number);
          if (a === null) return false;
          return fail(a, k);
        },
        boolean: true,
      };
    }
    return {
      fn: (rec) => {
        const a = l(rec);
        const b = r(rec);
        if (typeof a === 'number' && typeof b === 'number') return compare(a, b);
        if (typeof a === 'string' && typeof b === 'string') return compare(a as never, b as never);
        if (a === null || b === null) return false;
        return fail(a, b);
      },
      boolean: true,
    };
  }

  private arithmetic(node: NodeOf<'binary'>, left: Compiled, right: Compiled): Compiled {
    const l = left.fn;
    const r = right.fn;
    const op = node.op;
    const fail = (a: JsonValue, b: JsonValue): never => {
      const needs = op === '+' ? '"+" adds two numbers or joins two strings' : `"${op}" needs two numbers`;
      throw this.operandError(needs, node.opAt, [node.left, a], [node.right, b]);
    };
    const math = (problem: string): never => {
      throw new ExpressionError('ERR_EXPR_MATH', problem, this.source, node.opAt);
    };
    const finite = (x: number): number => (x - x === 0 ? x : math('the result is too large for a number'));
    switch (op) {
      case '+':
        return {
          fn: (rec) => {
            const a = l(rec);
            const b = r(rec);
            if (typeof a === 'number' && typeof b === 'number') return finite(a + b);
            if (typeof a === 'string' && typeof b === 'string') return a + b;
            return fail(a, b);
          },
        };
      case '-':
        return { fn: numericBinary(l, r, (a, b) => finite(a - b), fail) };
      case '*':
        return { fn: numericBinary(l, r, (a, b) => finite(a * b), fail) };
      case '/':
        return { fn: numericBinary(l, r, (a, b) => (b === 0 ? math('division by zero') : finite(a / b)), fail) };
      case '%':
        return { fn: numericBinary(l, r, (a, b) => (b === 0 ? math('remainder of a division by zero') : a % b), fail) };
      default:
        throw new Error(`unhandled operator ${op}`);
    }
  }

  private logical(node: NodeOf<'logical'>): Compiled {
    const left = this.compile(node.left);
    const right = this.compile(node.right);
    if (node.op === '??') {
      if (left.constant) return left.constant.value === null ? right : left;
      const l = left.fn;
      const r = right.fn;
      return {
        fn: (rec) => {
          const a = l(rec);
          return a !== null ? a : r(rec);
        },
        boolean: left.boolean === true && right.boolean === true,
      };
    }
    const isAnd = node.op === '&&';
    if (left.constant) {
      // `false && x` is false and `true || x` is true without looking at x.
      if (truthy(left.constant.value) !== isAnd) return constant(!isAnd);
      return right.constant ? constant(truthy(right.constant.value)) : { fn: asPredicate(right), boolean: true };
    }
    const l = asPredicate(left);
    const r = asPredicate(right);
    return { fn: isAnd ? (rec) => l(rec) && r(rec) : (rec) => l(rec) || r(rec), boolean: true };
  }

  private conditional(node: NodeOf<'conditional'>): Compiled {
    const test = this.compile(node.test);
    const then = this.compile(node.then);
    const otherwise = this.compile(node.otherwise);
    if (test.constant) return truthy(test.constant.value) ? then : otherwise;
    const t = asPredicate(test);
    const a = then.fn;
    const b = otherwise.fn;
    return { fn: (rec) => (t(rec) ? a(rec) : b(rec)), boolean: then.boolean === true && otherwise.boolean === true };
  }

  private membership(node: NodeOf<'in'>): Compiled {
    const needle = this.compile(node.needle);
    const haystack = this.compile(node.haystack);
    const negated = node.negated;
    const n = needle.fn;
    let compiled: Compiled;
    if (haystack.constant) {
      const list = haystack.constant.value;
      if (list !== null && !Array.isArray(list)) {
        throw new ExpressionError('ERR_EXPR_TYPE', `"in" needs an array on its right, got ${typeName(list)}`, this.source, node.haystack.start, 'write x in ["a", "b"]');
      }
      const items = list ?? [];
      if (items.every(isPrimitive)) {
        const set = new Set<JsonValue>(items);
        compiled = { fn: negated ? (rec) => !set.has(n(rec)) : (rec) => set.has(n(rec)), boolean: true };
      } else {
        compiled = { fn: (rec) => contained(n(rec), items) !== negated, boolean: true };
      }
    } else {
      const h = haystack.fn;
      compiled = {
        fn: (rec) => {
          const list = h(rec);
          if (list === null) return negated;
          if (!Array.isArray(list)) throw this.operandError('"in" needs an array on its right', node.opAt, [node.haystack, list]);
          return contained(n(rec), list) !== negated;
        },
        boolean: true,
      };
    }
    return this.fold(compiled, [needle, haystack]);
  }

  private call(node: NodeOf<'call'>): Compiled {
    const spec = Object.hasOwn(FUNCTIONS, node.name) ? FUNCTIONS[node.name] : undefined;
    if (!spec) {
      const suggestion = closest(node.name, FUNCTION_NAMES);
      throw new ExpressionError(
        'ERR_EXPR_UNKNOWN_FUNCTION',
        `unknown function "${node.name}"`,
        this.source,
        node.start,
        suggestion ? `did you mean ${suggestion}()?` : `the functions are ${FUNCTION_NAMES.join(', ')}`,
      );
    }
    const count = node.args.length;
    if (count < spec.minArgs || count > spec.maxArgs) {
      const expected = spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : spec.maxArgs === Infinity ? `at least ${spec.minArgs}` : `${spec.minArgs} or ${spec.maxArgs}`;
      throw new ExpressionError('ERR_EXPR_ARGUMENTS', `${node.name}() takes ${expected} argument${expected === '1' ? '' : 's'}, got ${count}`, this.source, node.start, `use ${spec.usage}`);
    }
    if (node.name === 'now') {
      const clock = this.clock;
      return { fn: () => clock() };
    }
    if (node.name === 'exists') return this.exists(node);
    if (node.name === 'matches') return this.matches(node);
    const args = node.args.map((arg) => this.compile(arg));
    const compiled = this.invoke(node, spec.call!, args);
    return spec.pure ? this.fold(compiled, args) : compiled;
  }

  /** Calls a built-in with positional arguments (no array per call), turning its type errors into located ones. */
  private invoke(node: NodeOf<'call'>, call: (...args: JsonValue[]) => JsonValue, args: Compiled[]): Compiled {
    const located = (error: unknown): unknown =>
      error instanceof ArgumentTypeError ? new ExpressionError('ERR_EXPR_TYPE', error.message, this.source, node.start) : error;
    const [a, b] = args.map((arg) => arg.fn);
    const guard = (fn: Evaluator): Evaluator => (rec) => {
      try {
        return fn(rec);
      } catch (error) {
        throw located(error);
      }
    };
    if (args.length === 1) return { fn: guard((rec) => call(a!(rec))) };
    if (args.length === 2) return { fn: guard((rec) => call(a!(rec), b!(rec))) };
    const fns = args.map((arg) => arg.fn);
    return { fn: guard((rec) => call(...fns.map((fn) => fn(rec)))) };
  }

  private exists(node: NodeOf<'call'>): Compiled {
    const path = node.args[0]!;
    if (path.kind !== 'member') {
      const hint = path.kind === 'root' ? `${path.name} always exists` : 'write exists(value.field) or exists(attrs.name)';
      throw new ExpressionError('ERR_EXPR_ARGUMENTS', 'exists() needs a field path', this.source, path.start, hint);
    }
    const object = this.compile(path.object);
    const property = this.compile(path.property);
    const o = object.fn;
    const p = property.fn;
    return { fn: (rec) => hasMember(o(rec), p(rec)), boolean: true };
  }

  private matches(node: NodeOf<'call'>): Compiled {
    const [subject, patternNode, flagsNode] = node.args as [Node, Node, Node | undefined];
    const pattern = this.compile(patternNode).constant?.value;
    if (typeof pattern !== 'string') {
      throw new ExpressionError('ERR_EXPR_ARGUMENTS', 'matches() needs the regex as a string literal', this.source, patternNode.start, 'write matches(attrs.id, "^gh[0-9]+$")');
    }
    let flags = '';
    if (flagsNode) {
      const given = this.compile(flagsNode).constant?.value;
      if (typeof given !== 'string' || !/^[imsu]*$/.test(given)) {
        throw new ExpressionError('ERR_EXPR_ARGUMENTS', 'matches() flags must be a string literal of i, m, s or u', this.source, flagsNode.start);
      }
      flags = given;
    }
    let regex: RegExp;
    try {
      regex = new RegExp(pattern, flags);
    } catch (error) {
      throw new ExpressionError('ERR_EXPR_REGEX', `invalid regex: ${(error as Error).message}`, this.source, patternNode.start);
    }
    const s = this.compile(subject).fn;
    return {
      fn: (rec) => {
        const text = s(rec);
        if (typeof text === 'string') return regex.test(text);
        if (text === null) return false;
        throw this.operandError('matches() needs a string', node.start, [subject, text]);
      },
      boolean: true,
    };
  }

  /** A type error naming each operand's type and where it came from, with a hint for missing fields. */
  private operandError(problem: string, at: number, ...operands: [Node, JsonValue][]): ExpressionError {
    const described = operands.map(([node, value]) => {
      const text = this.source.slice(node.start, node.end);
      if (node.kind === 'literal') return `${typeName(value)} ${text}`;
      const shown = value === null ? 'null' : `${typeName(value)} ${preview(value)}`;
      return `${shown} from ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
    });
    const missing = operands.find(([node, value]) => value === null && node.kind !== 'literal');
    const hint = missing ? `${this.source.slice(missing[0].start, missing[0].end)} is missing or null; give a default with ??` : undefined;
    return new ExpressionError('ERR_EXPR_TYPE', `${problem}, got ${described.join(' and ')}`, this.source, at, hint);
  }
}

const COMPARE = {
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
};

function numericBinary(l: Evaluator, r: Evaluator, op: (a: number, b: number) => number, fail: (a: JsonValue, b: JsonValue) => never): Evaluator {
  return (rec) => {
    const a = l(rec);
    const b = r(rec);
    if (typeof a === 'number' && typeof b === 'number') return op(a, b);
    return fail(a, b);
  };
}

function contained(needle: JsonValue, list: readonly JsonValue[]): boolean {
  for (const item of list) if (jsonEquals(item, needle)) return true;
  return false;
}

/** `value.a.b` or `attrs.x` with names known at compile time, or undefined. */
function staticFieldChain(node: Node): { root: 'value' | 'attrs'; fields: string[] } | undefined {
  const fields: string[] = [];
  let current = node;
  while (current.kind === 'member') {
    if (current.property.kind !== 'literal' || typeof current.property.value !== 'string') return undefined;
    fields.unshift(current.property.value);
    current = current.object;
  }
  if (current.kind !== 'root' || (current.name !== 'value' && current.name !== 'attrs')) return undefined;
  return { root: current.name, fields };
}

/** Unrolled readers for the usual one- and two-level paths; a loop beyond. */
function valueFieldReader(fields: string[]): Evaluator {
  const [a, b] = fields;
  if (fields.length === 1) return (r) => field(r.value, a!);
  if (fields.length === 2) return (r) => field(field(r.value, a!), b!);
  return (r) => {
    let current: JsonValue = r.value;
    for (const name of fields) current = field(current, name);
    return current;
  };
}
