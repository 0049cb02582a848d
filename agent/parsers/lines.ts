import type { LinesParserConfig } from './config.js';
import type { Parser } from './parser.js';

/** The frame itself as the value. */
export function createLinesParser(config: LinesParserConfig): Parser {
  return {
    parse: (frame) => ({ ok: true, value: config.trim ? frame.trim() : frame }),
  };
}
