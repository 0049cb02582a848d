import { TributaryError } from '../../core/errors.js';

/** Stable codes of expression errors (documented in docs/expressions.md). */
export type ExpressionErrorCode =
  | 'ERR_EXPR_SYNTAX'
  | 'ERR_EXPR_UNKNOWN_IDENTIFIER'
  | 'ERR_EXPR_UNKNOWN_FUNCTION'
  | 'ERR_EXPR_ARGUMENTS'
  | 'ERR_EXPR_REGEX'
  | 'ERR_EXPR_TYPE'
  | 'ERR_EXPR_MATH';

/**
 * An expression that does not compile (syntax, unknown name, bad arguments), or that failed on a record
 * (`ERR_EXPR_TYPE`, `ERR_EXPR_MATH`). The message ends with where: `at column 14` (1-based).
 */
export class ExpressionError extends TributaryError {
  /** The expression text. */
  readonly source: string;
  /** 1-based line and column of the problem in `source`. */
  readonly line: number;
  readonly column: number;

  constructor(code: ExpressionErrorCode, problem: string, source: string, offset: number, hint?: string) {
    const { line, column } = position(source, offset);
    const where = source.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`;
    super(code, `${problem} at ${where}${hint === undefined ? '' : ` (${hint})`}`);
    this.name = 'ExpressionError';
    this.source = source;
    this.line = line;
    this.column = column;
  }

  /** The offending source line with a caret under the problem, for terminals. */
  pointer(): string {
    const text = this.source.split('\n')[this.line - 1] ?? '';
    return `${text}\n${' '.repeat(this.column - 1)}^`;
  }
}

function position(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), source.length);
  for (let i = 0; i < end; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Suggests the closest candidate to a misspelt name, if one is close enough. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  // `length` for `len`, `start` for `starts_with`: a shared stem says more than the edit distance.
  const stem = candidates.find((c) => c.length >= 3 && (lower.startsWith(c.toLowerCase()) || c.toLowerCase().startsWith(lower)) && lower.length >= 3);
  if (stem) return stem;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
