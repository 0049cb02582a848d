import { TributaryError } from '../errors.js';

/** One thing wrong with a config file, positioned for an editor (line and column are 1-based). */
export interface FileProblem {
  file: string;
  line: number;
  column: number;
  /** Where in the config, e.g. `sources.gps.baud_rate` or `listeners.mqtt.port`; empty for the whole file. */
  path: string;
  message: string;
}

/** A path inside a config as a list of keys and array indexes. */
export type ConfigPath = readonly (string | number)[];

/** Thrown by a config loader with every problem it found, formatted one per line as its message. */
export class ConfigValidationError extends TributaryError {
  readonly problems: readonly FileProblem[];

  constructor(code: string, problems: FileProblem[]) {
    const sorted = sortProblems(problems);
    super(code, formatProblems(sorted));
    this.name = 'ConfigValidationError';
    this.problems = sorted;
  }
}

/** `sources.gps.framing.delimiter`, `processors.fix.inputs[0]`, `buffer.when_full_by_partition.3`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** One line per problem: `file:line:col: path: message`, in file order. */
export function formatProblems(problems: readonly FileProblem[]): string {
  return sortProblems(problems)
    .map((problem) => `${problem.file}:${problem.line}:${problem.column}: ${problem.path === '' ? '' : `${problem.path}: `}${problem.message}`)
    .join('\n');
}

/** Problems in file order (line, then column), duplicates removed. */
export function sortProblems(problems: readonly FileProblem[]): FileProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((problem) => {
    const id = `${problem.file}\0${problem.line}\0${problem.column}\0${problem.path}\0${problem.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return unique.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}
