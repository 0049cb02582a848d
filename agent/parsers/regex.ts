import type { JsonValue } from '../../core/record.js';
import { TributaryError, errorMessage } from '../../core/errors.js';
import type { ConfigProblem } from '../component.js';
import type { RegexParserConfig } from './config.js';
import { inferCell } from './infer-types.js';
import type { Parser } from './parser.js';
import { applyRecordFields } from './record-fields.js';

/** Named groups of a pattern match become the fields of the value. */
export function createRegexParser(config: RegexParserConfig): Parser {
  const compiled = compilePattern(config);
  if (compiled instanceof Error) {
    throw new TributaryError('ERR_PARSER_CONFIG', `regex parser: ${compiled.message}`);
  }
  return {
    parse(frame) {
      const match = compiled.exec(frame);
      if (!match) return { ok: false, reason: `no match for pattern /${config.pattern}/${config.flags}` };
      const value: { [field: string]: JsonValue } = {};
      for (const [name, text] of Object.entries(match.groups ?? {})) {
        if (text === undefined) value[name] = null;
        else value[name] = config.infer_types ? inferCell(text) : text;
      }
      return applyRecordFields(value, config);
    },
  };
}

/** Problems with a regex parser's pattern: it must compile, have named groups and no stateful flags. */
export function checkRegexConfig(config: Pick<RegexParserConfig, 'pattern' | 'flags'>): ConfigProblem[] {
  const compiled = compilePattern(config);
  if (compiled instanceof Error) {
    return [{ path: compiled.message.startsWith('flags') ? ['flags'] : ['pattern'], message: compiled.message }];
  }
  return [];
}

function compilePattern(config: Pick<RegexParserConfig, 'pattern' | 'flags'>): RegExp | Error {
  const flags = config.flags ?? '';
  if (!/^[imsu]*$/.test(flags)) {
    return new Error(`flags "${flags}" not allowed: use only i, m, s, u (g and y would make matching depend on the previous frame)`);
  }
  let compiled: RegExp;
  try {
    compiled = new RegExp(config.pattern, flags);
  } catch (error) {
    return new Error(`pattern does not compile: ${errorMessage(error)}`);
  }
  // A throwaway match reveals the group names without parsing the pattern ourselves.
  const probe = new RegExp(`${config.pattern}|`, flags).exec('');
  if (!probe?.groups || Object.keys(probe.groups).length === 0) {
    return new Error('pattern has no named groups: name each field like (?<temperature_c>[-\\d.]+)');
  }
  return compiled;
}
