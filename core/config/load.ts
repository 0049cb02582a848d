import { readFileSync } from 'node:fs';
import { TributaryError, errorMessage } from '../errors.js';
import { substituteEnvVars } from './env-vars.js';
import { formatPath, type FileProblem } from './problems.js';
import type { PathProblem } from './schema-problems.js';
import { parseYaml } from './yaml-document.js';

/** Reads a config file; throws `notFoundCode` saying why it cannot be read (missing, permissions, a directory). */
export function readConfigFile(file: string, what: string, notFoundCode: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : errorMessage(error);
    throw new TributaryError(notFoundCode, `cannot read ${what} ${file}: ${reason}; check the path and its permissions`, { cause: error });
  }
}

/** A config file's data, with the problems found so far and a way to position later ones. */
export interface ParsedConfig {
  file: string;
  /** The plain data (env vars substituted, aliases resolved); undefined or null for an empty file. */
  data: unknown;
  /** YAML problems that still left the data usable (a duplicate key). */
  problems: FileProblem[];
  /** Gives problems found on the data (schema, cross-checks) their line and column in the file. */
  place(problems: readonly PathProblem[]): FileProblem[];
}

/**
 * Substitutes `${ENV}` references and parses the YAML, keeping positions. Throws `invalid(problems)`
 * when an env var is missing or the YAML is too broken for the data to mean what the author wrote.
 */
export function parseConfigText(text: string, file: string, invalid: (problems: FileProblem[]) => Error): ParsedConfig {
  const substituted = substituteEnvVars(text, file);
  if (substituted.problems.length > 0) throw invalid(substituted.problems);
  const parsed = parseYaml(substituted.text);
  const problems: FileProblem[] = parsed.problems.map((problem) => ({
    file,
    line: problem.line,
    column: problem.column,
    path: formatPath(problem.path),
    message: problem.message,
  }));
  if (!parsed.usable) throw invalid(problems);
  return {
    file,
    data: parsed.data,
    problems,
    place: (pathProblems) => pathProblems.map((problem) => {
      const position = parsed.locate(problem.path, problem.at);
      return { file, line: position.line, column: position.column, path: formatPath(problem.path), message: problem.message };
    }),
  };
}

/** Freezes an object graph, so no component can change the config another one reads. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
