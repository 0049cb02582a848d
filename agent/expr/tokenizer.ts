import { ExpressionError } from './errors.js';

export type TokenKind = 'number' | 'string' | 'name' | 'punct' | 'end';

/** One lexical token; `start`/`end` are offsets into the source. */
export interface Token {
  kind: TokenKind;
  /** The source text (for strings: with quotes). */
  text: string;
  /** Parsed value of number and string tokens. */
  value?: number | string;
  start: number;
  end: number;
}

/** Longest first, so `<=` wins over `<`. */
const PUNCTUATION = ['==', '!=', '<=', '>=', '&&', '||', '??', '+', '-', '*', '/', '%', '<', '>', '!', '?', ':', '.', ',', '(', ')', '[', ']'];

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0', '\\': '\\', "'": "'", '"': '"' };

/** Limit on source length: expressions live in config files, not in payloads. */
export const MAX_SOURCE_LENGTH = 10_000;

/** Splits an expression into tokens; throws ExpressionError (ERR_EXPR_SYNTAX) with the column of a bad character. */
export function tokenize(source: string): Token[] {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ExpressionError('ERR_EXPR_SYNTAX', `expression is longer than ${MAX_SOURCE_LENGTH} characters`, source, 0);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (isDigit(c)) {
      i = readNumber(source, i, tokens);
    } else if (c === '"' || c === "'") {
      i = readString(source, i, tokens);
    } else if (isNameStart(c)) {
      let end = i + 1;
      while (end < source.length && isNamePart(source[end]!)) end++;
      tokens.push({ kind: 'name', text: source.slice(i, end), start: i, end });
      i = end;
    } else {
      const punct = PUNCTUATION.find((p) => source.startsWith(p, i));
      if (punct === undefined) throw unexpectedCharacter(source, i);
      tokens.push({ kind: 'punct', text: punct, start: i, end: i + punct.length });
      i += punct.length;
    }
  }
  tokens.push({ kind: 'end', text: '', start: source.length, end: source.length });
  return tokens;
}

function readNumber(source: string, start: number, tokens: Token[]): number {
  let i = start;
  while (i < source.length && isDigit(source[i]!)) i++;
  if (source[i] === '.' && isDigit(source[i + 1] ?? '')) {
    i++;
    while (i < source.length && isDigit(source[i]!)) i++;
  }
  if (source[i] === 'e' || source[i] === 'E') {
    let j = i + 1;
    if (source[j] === '+' || source[j] === '-') j++;
    if (!isDigit(source[j] ?? '')) {
      throw new ExpressionError('ERR_EXPR_SYNTAX', 'expected digits after the exponent', source, j);
    }
    while (j < source.length && isDigit(source[j]!)) j++;
    i = j;
  }
  if (isNameStart(source[i] ?? '')) {
    throw new ExpressionError('ERR_EXPR_SYNTAX', `unexpected "${source[i]!}" after a number`, source, i);
  }
  const text = source.slice(start, i);
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ExpressionError('ERR_EXPR_SYNTAX', `number ${text} is too large`, source, start);
  tokens.push({ kind: 'number', text, value, start, end: i });
  return i;
}

function readString(source: string, start: number, tokens: Token[]): number {
  const quote = source[start]!;
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= source.length) {
      throw new ExpressionError('ERR_EXPR_SYNTAX', `unterminated string: expected a closing ${quote}`, source, start);
    }
    const c = source[i]!;
    if (c === quote) break;
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const next = source[i + 1];
    if (next === undefined) {
      throw new ExpressionError('ERR_EXPR_SYNTAX', `unterminated string: expected a closing ${quote}`, source, start);
    }
    if (next === 'u') {
      const { text, length } = readUnicodeEscape(source, i);
      value += text;
      i += length;
      continue;
    }
    const escaped = ESCAPES[next];
    // Unknown escapes keep their backslash so regexes read naturally: "\d+" is the regex \d+.
    value += escaped ?? `\\${next}`;
    i += 2;
  }
  tokens.push({ kind: 'string', text: source.slice(start, i + 1), value, start, end: i + 1 });
  return i + 1;
}

function readUnicodeEscape(source: string, at: number): { text: string; length: number } {
  const braced = source[at + 2] === '{';
  const match = braced ? /^\\u\{([0-9a-fA-F]{1,6})\}/.exec(source.slice(at, at + 10)) : /^\\u([0-9a-fA-F]{4})/.exec(source.slice(at, at + 6));
  const codePoint = match ? parseInt(match[1]!, 16) : NaN;
  if (!match || codePoint > 0x10ffff) {
    throw new ExpressionError('ERR_EXPR_SYNTAX', 'bad unicode escape: write \\uXXXX or \\u{X...}', source, at);
  }
  return { text: String.fromCodePoint(codePoint), length: match[0].length };
}

function unexpectedCharacter(source: string, at: number): ExpressionError {
  const c = source[at]!;
  const hints: Record<string, string> = { '=': 'did you mean "=="?', '&': 'did you mean "&&"?', '|': 'did you mean "||"?', '`': 'strings use "..." or \'...\'' };
  return new ExpressionError('ERR_EXPR_SYNTAX', `unexpected character "${c}"`, source, at, hints[c]);
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isNameStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isNamePart(c: string): boolean {
  return isNameStart(c) || isDigit(c);
}
