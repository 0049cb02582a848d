import type { BinaryOperator, LogicalOperator, Node, RootName } from './ast.js';
import { closest, ExpressionError } from './errors.js';
import { tokenize, type Token } from './tokenizer.js';

const ROOTS: readonly RootName[] = ['key', 'ts', 'value', 'attrs'];
const LITERALS: Record<string, boolean | null> = { true: true, false: false, null: null };

/** Binding powers, loosest first. `not` binds looser than comparisons (as in Python), `!` as tight as `-`. */
const BP = { ternary: 1, or: 2, and: 3, not: 3, equality: 4, relational: 5, coalesce: 6, additive: 7, multiplicative: 8, prefix: 9, postfix: 10 } as const;

/** Infix operators by source text, with their binding power and AST operator. */
const INFIX: Record<string, { bp: number; kind: 'binary' | 'logical'; op: BinaryOperator | LogicalOperator }> = {
  '||': { bp: BP.or, kind: 'logical', op: '||' },
  or: { bp: BP.or, kind: 'logical', op: '||' },
  '&&': { bp: BP.and, kind: 'logical', op: '&&' },
  and: { bp: BP.and, kind: 'logical', op: '&&' },
  '==': { bp: BP.equality, kind: 'binary', op: '==' },
  '!=': { bp: BP.equality, kind: 'binary', op: '!=' },
  '<': { bp: BP.relational, kind: 'binary', op: '<' },
  '<=': { bp: BP.relational, kind: 'binary', op: '<=' },
  '>': { bp: BP.relational, kind: 'binary', op: '>' },
  '>=': { bp: BP.relational, kind: 'binary', op: '>=' },
  '??': { bp: BP.coalesce, kind: 'logical', op: '??' },
  '+': { bp: BP.additive, kind: 'binary', op: '+' },
  '-': { bp: BP.additive, kind: 'binary', op: '-' },
  '*': { bp: BP.multiplicative, kind: 'binary', op: '*' },
  '/': { bp: BP.multiplicative, kind: 'binary', op: '/' },
  '%': { bp: BP.multiplicative, kind: 'binary', op: '%' },
};

/** Deep enough for any real condition; bounds recursion on hostile input. */
const MAX_DEPTH = 64;

/** Parses an expression into an AST; throws ExpressionError (ERR_EXPR_SYNTAX, ERR_EXPR_UNKNOWN_IDENTIFIER) with the column. */
export function parseExpression(source: string): Node {
  return new Parser(source).parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parseAll(): Node {
    if (this.peek().kind === 'end') throw this.error('expression is empty', this.peek());
    const node = this.expression(0);
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.error(`unexpected ${describe(rest)}`, rest, 'expected an operator or the end of the expression');
    return node;
  }

  private expression(minBp: number): Node {
    if (++this.depth > MAX_DEPTH) throw this.error(`expression nested deeper than ${MAX_DEPTH} levels`, this.peek());
    let left = this.prefix();
    for (;;) {
      const token = this.peek();
      const next = this.infix(left, token, minBp);
      if (next === undefined) break;
      left = next;
    }
    this.depth--;
    return left;
  }

  /** Parses one infix/postfix continuation of `left`, or returns undefined when `token` binds looser than minBp. */
  private infix(left: Node, token: Token, minBp: number): Node | undefined {
    const text = token.kind === 'punct' || token.kind === 'name' ? token.text : '';
    if (text === '.' || text === '[' || text === '(') {
      if (BP.postfix <= minBp) return undefined;
      return this.postfix(left, token);
    }
    if (text === '?') {
      if (BP.ternary <= minBp) return undefined;
      this.advance();
      const then = this.expression(0);
      this.expect(':', 'to separate the branches of "? :"');
      const otherwise = this.expression(0);
      return { kind: 'conditional', test: left, then, otherwise, start: left.start, end: otherwise.end };
    }
    if (text === 'in' || (text === 'not' && this.peek(1).text === 'in' && this.peek(1).kind === 'name')) {
      if (BP.relational <= minBp) return undefined;
      const negated = text === 'not';
      this.advance();
      if (negated) this.advance();
      const haystack = this.expression(BP.relational);
      const node: Node = { kind: 'in', negated, needle: left, haystack, opAt: token.start, start: left.start, end: haystack.end };
      this.refuseChain();
      return node;
    }
    const operator = token.kind === 'punct' || (token.kind === 'name' && (text === 'and' || text === 'or')) ? INFIX[text] : undefined;
    if (operator === undefined || operator.bp <= minBp) return undefined;
    this.advance();
    const right = this.expression(operator.bp);
    const span = { left, right, opAt: token.start, start: left.start, end: right.end };
    if (operator.kind === 'logical') return { kind: 'logical', op: operator.op as LogicalOperator, ...span };
    const node: Node = { kind: 'binary', op: operator.op as BinaryOperator, ...span };
    if (operator.bp === BP.relational) this.refuseChain();
    return node;
  }

  /** `a < b < c` means nothing useful: say so instead of comparing a boolean to c. */
  private refuseChain(): void {
    const next = this.peek();
    const chained = next.kind === 'punct' ? INFIX[next.text]?.bp === BP.relational : next.kind === 'name' && next.text === 'in';
    if (chained) throw this.error(`comparisons cannot be chained: unexpected ${describe(next)}`, next, 'write a < b && b < c');
  }

  private postfix(object: Node, token: Token): Node {
    this.advance();
    if (token.text === '.') {
      const name = this.peek();
      if (name.kind !== 'name') {
        throw this.error(`expected a field name after "." but found ${describe(name)}`, name, name.kind === 'number' ? `write [${name.text}] for an array element` : undefined);
      }
      this.advance();
      const property: Node = { kind: 'literal', value: name.text, start: name.start, end: name.end };
      return { kind: 'member', object, property, start: object.start, end: name.end };
    }
    if (token.text === '[') {
      const property = this.expression(0);
      const close = this.expect(']', 'to close "["');
      return { kind: 'member', object, property, start: object.start, end: close.end };
    }
    throw this.error('only built-in functions can be called', token, 'see docs/expressions.md for the list');
  }

  private prefix(): Node {
    const token = this.advance();
    switch (token.kind) {
      case 'number':
      case 'string':
        return { kind: 'literal', value: token.value!, start: token.start, end: token.end };
      case 'name':
        return this.name(token);
      case 'end':
        throw this.error('unexpected end of expression', token, 'an operand is missing');
      case 'punct':
        break;
    }
    switch (token.text) {
      case '(': {
        const inner = this.expression(0);
        const close = this.expect(')', `to close the "(" at column ${token.start + 1}`);
        // The span grows to the parentheses so runtime errors quote what the user wrote.
        return { ...inner, start: token.start, end: close.end };
      }
      case '[':
        return this.arrayLiteral(token);
      case '-':
      case '!': {
        const operand = this.expression(BP.prefix);
        return { kind: 'unary', op: token.text, operand, opAt: token.start, start: token.start, end: operand.end };
      }
      default:
        throw this.error(`unexpected ${describe(token)}`, token, 'expected a value, a field, a function call or "("');
    }
  }

  private name(token: Token): Node {
    const at = { start: token.start, end: token.end };
    if (Object.hasOwn(LITERALS, token.text)) return { kind: 'literal', value: LITERALS[token.text]!, ...at };
    if (token.text === 'not') {
      const operand = this.expression(BP.not);
      return { kind: 'unary', op: '!', operand, opAt: token.start, start: token.start, end: operand.end };
    }
    if (this.peek().text === '(' && this.peek().kind === 'punct') return this.call(token);
    if ((ROOTS as readonly string[]).includes(token.text)) return { kind: 'root', name: token.text as RootName, ...at };
    if (token.text === 'now') {
      throw new ExpressionError('ERR_EXPR_UNKNOWN_IDENTIFIER', '"now" is a function', this.source, token.start, 'write now()');
    }
    if (token.text === 'and' || token.text === 'or' || token.text === 'in') {
      throw this.error(`unexpected "${token.text}"`, token, 'an operand is missing');
    }
    const suggestion = closest(token.text, ROOTS);
    throw new ExpressionError(
      'ERR_EXPR_UNKNOWN_IDENTIFIER',
      `unknown name "${token.text}"`,
      this.source,
      token.start,
      suggestion ? `did you mean "${suggestion}"?` : `fields are read from key, ts, value or attrs, e.g. value.${token.text}`,
    );
  }

  private call(nameToken: Token): Node {
    this.advance(); // (
    const args: Node[] = [];
    if (!this.accept(')')) {
      do {
        args.push(this.expression(0));
      } while (this.accept(','));
      this.expect(')', `to close the arguments of ${nameToken.text}(`);
    }
    return { kind: 'call', name: nameToken.text, args, start: nameToken.start, end: this.tokens[this.index - 1]!.end };
  }

  private arrayLiteral(open: Token): Node {
    const items: Node[] = [];
    while (!this.accept(']')) {
      items.push(this.expression(0));
      if (!this.accept(',')) {
        this.expect(']', 'to close "["');
        break;
      }
    }
    return { kind: 'array', items, start: open.start, end: this.tokens[this.index - 1]!.end };
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  private advance(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return token;
  }

  private accept(punct: string): boolean {
    const token = this.peek();
    if (token.kind !== 'punct' || token.text !== punct) return false;
    this.advance();
    return true;
  }

  private expect(punct: string, why: string): Token {
    const token = this.peek();
    if (token.kind !== 'punct' || token.text !== punct) throw this.error(`expected "${punct}"`, token, `${why}; found ${describe(token)}`);
    return this.advance();
  }

  private error(problem: string, token: Token, hint?: string): ExpressionError {
    return new ExpressionError('ERR_EXPR_SYNTAX', problem, this.source, token.start, hint);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the expression';
    case 'punct':
      return `"${token.text}"`;
    case 'name':
      return `"${token.text}"`;
    default:
      return token.text;
  }
}
