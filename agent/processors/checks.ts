import type { ConfigProblem } from '../component.js';
import { checkExpression } from '../expr/index.js';
import { fieldPathProblem } from './paths.js';

/** A problem at `path` when `source` does not compile as an expression. */
export function expressionProblems(path: (string | number)[], source: unknown): ConfigProblem[] {
  if (typeof source !== 'string') return [];
  const message = checkExpression(source);
  return message === undefined ? [] : [{ path, message: `expression ${JSON.stringify(source)}: ${message}` }];
}

/** A problem at `path` when `text` is not a field path (or, with `valueOnly`, not a path into the value). */
export function pathProblems(path: (string | number)[], text: unknown, valueOnly = false): ConfigProblem[] {
  if (typeof text !== 'string') return [];
  const message = fieldPathProblem(text, valueOnly);
  return message === undefined ? [] : [{ path, message }];
}
