import { TributaryError } from '../../core/errors.js';

/** One thing wrong with a flow file, positioned for an editor (line and column are 1-based). */
export interface FlowProblem {
  file: string;
  line: number;
  column: number;
  /** Where in the flow, e.g. `sources.gps.baud_rate` or `processors.fix.inputs[0]`; empty for the whole file. */
  path: string;
  message: string;
}

/** A path inside the flow as a list of keys and array indexes. */
export type FlowPath = readonly (string | number)[];

/** Thrown by the flow loader with every problem it found, formatted one per line as its message. */
export class FlowValidationError extends TributaryError {
  readonly problems: readonly FlowProblem[];

  constructor(problems: FlowProblem[]) {
    const sorted = sortProblems(problems);
    super('ERR_FLOW_INVALID', formatProblems(sorted));
    this.name = 'FlowValidationError';
    this.problems = sorted;
  }
}

/** `sources.gps.framing.delimiter`, `processors.fix.inputs[0]`, `buffer.when_full_by_partition.3`. */
export function formatPath(path: FlowPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** One line per problem: `file:line:col: path: message`, in file order. */
export function formatProblems(problems: readonly FlowProblem[]): string {
  return sortProblems(problems)
    .map((problem) => `${problem.file}:${problem.line}:${problem.column}: ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`)
    .join('\n');
}

/** Problems in file order (line, then column), duplicates removed. */
export function sortProblems(problems: readonly FlowProblem[]): FlowProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((problem) => {
    const id = `${problem.file}\0${problem.line}\0${problem.column}\0${problem.path}\0${problem.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return unique.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}
