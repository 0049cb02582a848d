import { errorMessage } from '../../../core/errors.js';
import type { JsonValue } from '../../../core/record.js';
import type { NmeaParserConfig } from '../config.js';
import type { Parser, ParseResult } from '../parser.js';
import { applyRecordFields } from '../record-fields.js';
import { FieldError, FieldReader } from './fields.js';
import { splitSentence } from './sentence.js';
import { decoders } from './sentences.js';

/** NMEA 0183 sentences: known types decoded into typed fields, others passed on as raw fields. */
export function createNmeaParser(config: NmeaParserConfig): Parser {
  return {
    parse(frame): ParseResult {
      const sentence = splitSentence(frame, config.verify_checksum);
      if (typeof sentence === 'string') return { ok: false, reason: sentence };
      const { talker, type, proprietary, fields } = sentence;
      const decode = proprietary ? undefined : decoders[type];
      if (!decode) {
        const value: { [field: string]: JsonValue } = proprietary
          ? { talker, type, proprietary: true, manufacturer: type.slice(0, 3), fields }
          : { talker, type, fields };
        return applyRecordFields(value, config);
      }
      try {
        const decoded = decode(new FieldReader(fields));
        return applyRecordFields({ talker, type, ...decoded.fields }, config, decoded.ts === undefined ? {} : { ts: decoded.ts });
      } catch (error) {
        const detail = error instanceof FieldError ? error.message : `cannot decode: ${errorMessage(error)}`;
        return { ok: false, reason: `${type} ${detail}` };
      }
    },
  };
}
