import { ConfigValidationError, type ConfigPath, type FileProblem } from '../../core/config/problems.js';

export { formatPath, formatProblems, sortProblems } from '../../core/config/problems.js';

/** One thing wrong with a flow file, positioned for an editor (line and column are 1-based). */
export type FlowProblem = FileProblem;

/** A path inside the flow as a list of keys and array indexes. */
export type FlowPath = ConfigPath;

/** Thrown by the flow loader with every problem it found, formatted one per line as its message. */
export class FlowValidationError extends ConfigValidationError {
  constructor(problems: FlowProblem[]) {
    super('ERR_FLOW_INVALID', problems);
    this.name = 'FlowValidationError';
  }
}
