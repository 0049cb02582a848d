import type { JsonValue } from '../../core/record.js';
import { errorMessage } from '../../core/errors.js';
import type { JsonParserConfig } from './config.js';
import type { Parser } from './parser.js';
import { applyRecordFields } from './record-fields.js';

/** One JSON document per frame. */
export function createJsonParser(config: JsonParserConfig): Parser {
  return {
    parse(frame) {
      let value: JsonValue;
      try {
        value = JSON.parse(frame) as JsonValue;
      } catch (error) {
        return { ok: false, reason: `invalid JSON: ${errorMessage(error)}` };
      }
      const result = applyRecordFields(value, config);
      if (result.ok) result.json = frame;
      return result;
    },
  };
}
