/** The parsers' public surface: sources import from here. */
export { createParser, checkParserConfig, withParserDefaults } from './create-parser.js';
export { parserConfigSchema } from './config.js';
export type {
  ParserConfig,
  ParserConfigInput,
  ParserFormat,
  LinesParserConfig,
  JsonParserConfig,
  CsvParserConfig,
  NmeaParserConfig,
  RegexParserConfig,
  RecordFieldOptions,
} from './config.js';
export type { Parser, ParseResult } from './parser.js';
export { nmeaChecksum, formatChecksum } from './nmea/sentence.js';
