import { TributaryError } from '../../core/errors.js';
import type { ConfigProblem } from '../component.js';
import type { ParserConfig, ParserConfigInput } from './config.js';
import { createCsvParser } from './csv.js';
import { createJsonParser } from './json.js';
import { createLinesParser } from './lines.js';
import { createNmeaParser } from './nmea/nmea-parser.js';
import type { Parser } from './parser.js';
import { checkRegexConfig, createRegexParser } from './regex.js';

/** Fills in the defaults the JSON Schema declares, for configs written in code rather than loaded from YAML. */
export function withParserDefaults(input: ParserConfigInput): ParserConfig {
  switch (input.format) {
    case 'lines':
      return { trim: true, ...input };
    case 'json':
      return { ...input };
    case 'csv':
      return { header_line: false, delimiter: ',', infer_types: true, ...input };
    case 'nmea':
      return { verify_checksum: true, ...input };
    case 'regex':
      return { flags: '', infer_types: true, ...input };
  }
}

/** Problems the JSON Schema cannot see: a regex that does not compile, a CSV parser without column names. */
export function checkParserConfig(input: ParserConfigInput): ConfigProblem[] {
  const config = withParserDefaults(input);
  switch (config.format) {
    case 'regex':
      return checkRegexConfig(config);
    case 'csv': {
      const problems: ConfigProblem[] = [];
      if (!config.header && !config.header_line) {
        problems.push({ path: ['header'], message: 'the csv parser needs column names: set `header: [name, ...]` or `header_line: true`' });
      }
      if (config.header && new Set(config.header).size !== config.header.length) {
        problems.push({ path: ['header'], message: 'column names must be unique' });
      }
      if (config.delimiter === '"') problems.push({ path: ['delimiter'], message: 'the delimiter cannot be `"` (it quotes cells)' });
      return problems;
    }
    default:
      return [];
  }
}

/** Builds the parser a config describes; throws ERR_PARSER_CONFIG for a config `checkParserConfig` rejects. */
export function createParser(input: ParserConfigInput): Parser {
  const problems = checkParserConfig(input);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path.join('.') || 'parser'}: ${p.message}`).join('; ');
    throw new TributaryError('ERR_PARSER_CONFIG', `invalid ${input.format} parser config: ${list}`);
  }
  const config = withParserDefaults(input);
  switch (config.format) {
    case 'lines':
      return createLinesParser(config);
    case 'json':
      return createJsonParser(config);
    case 'csv':
      return createCsvParser(config);
    case 'nmea':
      return createNmeaParser(config);
    case 'regex':
      return createRegexParser(config);
  }
}
