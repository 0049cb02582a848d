/** The expression language: compile once when the flow loads, evaluate per record. See docs/expressions.md. */
export { checkExpression, compileCondition, compileExpression, type CompiledExpression, type CompileOptions } from './compile.js';
export { ExpressionError, type ExpressionErrorCode } from './errors.js';
