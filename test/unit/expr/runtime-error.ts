import { expect } from 'vitest';
import { compileExpression } from '../../../agent/expr/compile.js';
import { ExpressionError } from '../../../agent/expr/errors.js';
import type { DataRecord } from '../../../core/record.js';

/** The ExpressionError that evaluating `source` against `record` throws; fails the test if it compiles and runs. */
export function runtimeError(source: string, record: DataRecord): ExpressionError {
  const fn = compileExpression(source);
  try {
    fn(record);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    return error as ExpressionError;
  }
  throw new Error(`${source} did not throw`);
}
