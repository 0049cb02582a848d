import type { JsonSchema } from '../component.js';

/** Options shared by every format whose values are objects: where to take the record key and event time from. */
export interface RecordFieldOptions {
  /** Field (or dotted path) whose value becomes the record key; missing → the source's key. */
  key_field?: string;
  /** Field (or dotted path) holding the event time, epoch ms or an ISO 8601 string; missing → receive time. */
  ts_field?: string;
}

export interface LinesParserConfig {
  format: 'lines';
  trim: boolean;
}

export interface JsonParserConfig extends RecordFieldOptions {
  format: 'json';
}

export interface CsvParserConfig extends RecordFieldOptions {
  format: 'csv';
  /** Column names; when absent, `header_line` must be true. */
  header?: string[];
  header_line: boolean;
  delimiter: string;
  infer_types: boolean;
}

export interface NmeaParserConfig extends RecordFieldOptions {
  format: 'nmea';
  verify_checksum: boolean;
}

export interface RegexParserConfig extends RecordFieldOptions {
  format: 'regex';
  pattern: string;
  flags: string;
  infer_types: boolean;
}

/** A parser's config with its defaults applied (as the flow loader hands it over). */
export type ParserConfig = LinesParserConfig | JsonParserConfig | CsvParserConfig | NmeaParserConfig | RegexParserConfig;

export type ParserFormat = ParserConfig['format'];

type Loosen<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

/** A parser's config as written by hand: options with defaults may be left out. */
export type ParserConfigInput =
  | Loosen<LinesParserConfig, 'trim'>
  | JsonParserConfig
  | Loosen<CsvParserConfig, 'header_line' | 'delimiter' | 'infer_types'>
  | Loosen<NmeaParserConfig, 'verify_checksum'>
  | Loosen<RegexParserConfig, 'flags' | 'infer_types'>;

const keyField = {
  type: 'string',
  minLength: 1,
  description: 'Field of the parsed object (a dotted path like `meta.device` works) whose value becomes the record key, overriding the source key. Records without it keep the source key.',
};
const tsField = {
  type: 'string',
  minLength: 1,
  description: 'Field of the parsed object (dotted path allowed) holding the event time as epoch milliseconds or an ISO 8601 string. Records without it get the receive time; an unreadable time makes the frame bad.',
};
const inferTypes = {
  type: 'boolean',
  default: true,
  description: 'Turn cells that look like JSON numbers (`-12.5`, `3e2`; not `007` or `+1`) into numbers and empty cells into null.',
};

/**
 * JSON Schema of a parser config, discriminated on `format`. Sources embed it as their `parser` option
 * (adding their own `default`). The flow loader's ajv needs `discriminator: true`.
 */
export const parserConfigSchema: JsonSchema = {
  type: 'object',
  description: 'How each frame (a serial line, an MQTT payload) becomes a record value; `format` picks the parser.',
  required: ['format'],
  discriminator: { propertyName: 'format' },
  oneOf: [
    {
      type: 'object',
      description: 'Each frame as a string.',
      properties: {
        format: { const: 'lines', description: 'The value is the frame as a string.' },
        trim: { type: 'boolean', default: true, description: 'Remove whitespace (including a stray `\\r`) at both ends of the line.' },
      },
      required: ['format'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'One JSON document per frame.',
      properties: {
        format: { const: 'json', description: 'Each frame is one JSON document.' },
        key_field: keyField,
        ts_field: tsField,
      },
      required: ['format'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'Delimited text, one row per frame, turned into an object by column name.',
      properties: {
        format: { const: 'csv', description: 'Each frame is one row of delimited text.' },
        header: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          minItems: 1,
          description: 'Column names, in order. Leave out and set `header_line: true` when the device sends its own header line.',
        },
        header_line: {
          type: 'boolean',
          default: false,
          description: 'The first frame (after each port open) is the header line naming the columns; a repeat of it later is skipped.',
        },
        delimiter: { type: 'string', minLength: 1, default: ',', description: 'Cell separator, e.g. `,`, `;` or `"\\t"`.' },
        infer_types: inferTypes,
        key_field: keyField,
        ts_field: tsField,
      },
      required: ['format'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'NMEA 0183 sentences (GPS receivers): GGA, RMC, GSA, GSV, VTG, GLL, ZDA, TXT decoded into typed fields; other sentences as their raw fields.',
      properties: {
        format: { const: 'nmea', description: 'Each frame is one NMEA 0183 sentence.' },
        verify_checksum: {
          type: 'boolean',
          default: true,
          description: 'Reject sentences whose `*hh` checksum is missing or does not match their content.',
        },
        key_field: keyField,
        ts_field: tsField,
      },
      required: ['format'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'A regular expression with named groups; each group becomes a field.',
      properties: {
        format: { const: 'regex', description: 'Each frame is matched against `pattern`.' },
        pattern: {
          type: 'string',
          minLength: 1,
          description: 'JavaScript regular expression with named groups, e.g. `^T=(?<temperature_c>[-\\d.]+) H=(?<humidity_pct>[\\d.]+)$`. A frame that does not match is bad.',
        },
        flags: { type: 'string', pattern: '^[imsu]*$', default: '', description: 'Regular expression flags: any of `i`, `m`, `s`, `u`.' },
        infer_types: {
          ...inferTypes,
          description: 'Turn groups that look like JSON numbers into numbers (groups that did not take part in the match are null).',
        },
        key_field: keyField,
        ts_field: tsField,
      },
      required: ['format', 'pattern'],
      additionalProperties: false,
    },
  ],
};
