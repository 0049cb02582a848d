import type { FileProblem } from './problems.js';

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Substitutes `${NAME}` and `${NAME:-default}` with environment variables before the YAML is parsed, as
 * Vector and Fluent Bit do, so one config file serves many devices (`path: ${GPS_PORT:-/dev/ttyUSB0}`).
 * `$$` stands for a literal `$`. Comment lines are left alone. Line numbers are kept; columns after a
 * substitution on the same line shift by the length difference.
 */
export function substituteEnvVars(text: string, file: string, env: NodeJS.ProcessEnv = process.env): { text: string; problems: FileProblem[] } {
  const problems: FileProblem[] = [];
  const lines = text.split('\n').map((line, index) => {
    if (line.trimStart().startsWith('#') || !line.includes('$')) return line;
    return line.replace(REFERENCE, (match: string, name: string | undefined, fallback: string | undefined, column: number) => {
      if (match === '$$') return '$';
      const value = env[name!] ?? fallback;
      const at = { file, line: index + 1, column: column + 1, path: '' };
      if (value === undefined) {
        problems.push({ ...at, message: `environment variable ${name} is not set: set it, or give a default with \${${name}:-default}` });
        return match;
      }
      if (/[\r\n]/.test(value)) {
        problems.push({ ...at, message: `environment variable ${name} holds a line break, which would change the YAML structure; use a { file: PATH } secret for multi-line values` });
        return match;
      }
      return value;
    });
  });
  return { text: lines.join('\n'), problems };
}
