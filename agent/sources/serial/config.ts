import type { ConfigProblem, JsonSchema } from '../../component.js';
import { checkParserConfig, parserConfigSchema, type ParserConfig } from '../../parsers/index.js';
import { decodeEscapes } from './escapes.js';

export type SerialEncoding = 'utf8' | 'ascii' | 'latin1' | 'hex' | 'base64';

/** How the byte stream is cut into frames: by a delimiter, or into fixed-size pieces. */
export interface SerialFraming {
  /** Ends each frame; escapes like `\r\n` are decoded. Default `\n` unless `fixed_length` is set. */
  delimiter?: string;
  max_frame_bytes: number;
  fixed_length?: number;
}

/** A `type: serial` source, defaults applied. */
export interface SerialSourceConfig {
  type?: 'serial';
  path: string;
  baud_rate: number;
  data_bits: 5 | 6 | 7 | 8;
  parity: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stop_bits: 1 | 1.5 | 2;
  framing: SerialFraming;
  encoding: SerialEncoding;
  parser: ParserConfig;
  /** Static record key; the source id when absent. A parser's `key_field` overrides it. */
  key?: string;
  reopen_delay_ms: number;
  reopen_max_delay_ms: number;
  stall_timeout_ms: number;
  max_pending_frames: number;
}

export const DEFAULT_DELIMITER = '\n';

/** JSON Schema of the serial source's options. */
export const serialSourceSchema: JsonSchema = {
  type: 'object',
  description: 'Reads a serial port (RS-232/485, USB serial, a virtual pty), cuts the bytes into frames and parses each frame into a record.',
  properties: {
    type: { const: 'serial', description: 'Source type: a serial port.' },
    path: { type: 'string', minLength: 1, description: 'Device path, e.g. `/dev/ttyUSB0` or a stable `/dev/serial/by-id/...` link.' },
    baud_rate: { type: 'integer', minimum: 1, default: 9600, description: 'Line speed in bits per second (4800 is common for NMEA GPS).' },
    data_bits: { enum: [5, 6, 7, 8], default: 8, description: 'Data bits per character.' },
    parity: { enum: ['none', 'even', 'odd', 'mark', 'space'], default: 'none', description: 'Parity bit.' },
    stop_bits: { enum: [1, 1.5, 2], default: 1, description: 'Stop bits per character.' },
    framing: {
      type: 'object',
      description: 'How bytes are cut into frames: `delimiter` (default `\\n`) or `fixed_length`, not both.',
      properties: {
        delimiter: {
          type: 'string',
          minLength: 1,
          description: 'Bytes that end a frame, e.g. `"\\r\\n"`. Escapes `\\r \\n \\t \\0 \\\\ \\xHH` work quoted or not. With `\\n`, a trailing `\\r` is removed too.',
        },
        max_frame_bytes: {
          type: 'integer',
          minimum: 1,
          default: 4096,
          description: 'A frame longer than this is a bad frame (`frame too long`); reading resumes after the next delimiter.',
        },
        fixed_length: { type: 'integer', minimum: 1, description: 'Cut frames of exactly this many bytes (binary devices without delimiters).' },
      },
      additionalProperties: false,
      default: { delimiter: DEFAULT_DELIMITER },
    },
    encoding: {
      enum: ['utf8', 'ascii', 'latin1', 'hex', 'base64'],
      default: 'utf8',
      description: 'How frame bytes become the text the parser sees; `hex` or `base64` for binary frames.',
    },
    parser: { ...parserConfigSchema, default: { format: 'lines' } },
    key: { type: 'string', minLength: 1, description: 'Record key (device id) for every record; defaults to the source id. A parser `key_field` overrides it.' },
    reopen_delay_ms: {
      type: 'integer',
      minimum: 1,
      default: 1000,
      description: 'Wait before reopening a port that failed to open, closed or stalled; doubles on each failure.',
    },
    reopen_max_delay_ms: { type: 'integer', minimum: 1, default: 30000, description: 'Upper bound of the doubling reopen delay.' },
    stall_timeout_ms: {
      type: 'integer',
      minimum: 0,
      default: 0,
      description: 'Reopen the port when no byte arrived for this long (0 = off). Set it above the device’s longest quiet time; it also catches a vanished device that leaves no trace.',
    },
    max_pending_frames: {
      type: 'integer',
      minimum: 1,
      default: 10000,
      description: 'Stop reading the port while this many parsed frames wait to be stored; resume when half have been.',
    },
  },
  required: ['type', 'path'],
  additionalProperties: false,
};

/** Problems beyond the schema: framing choices, delays, and the parser's own checks. */
export function checkSerialConfig(config: SerialSourceConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const framing = config.framing ?? { max_frame_bytes: 4096 };
  if (framing.delimiter !== undefined && framing.fixed_length !== undefined) {
    problems.push({ path: ['framing'], message: 'set either `delimiter` or `fixed_length`, not both' });
  }
  if (framing.delimiter !== undefined) {
    const decoded = decodeEscapes(framing.delimiter);
    if (decoded instanceof Error) problems.push({ path: ['framing', 'delimiter'], message: decoded.message });
    else if (decoded === '') problems.push({ path: ['framing', 'delimiter'], message: 'the delimiter must not be empty' });
    else if (config.encoding !== 'utf8' && [...decoded].some((c) => c.charCodeAt(0) > 0xff)) {
      problems.push({ path: ['framing', 'delimiter'], message: `with encoding ${config.encoding} the delimiter must be bytes (\\x00 to \\xFF)` });
    }
  }
  if (config.reopen_max_delay_ms < config.reopen_delay_ms) {
    problems.push({ path: ['reopen_max_delay_ms'], message: `must be at least reopen_delay_ms (${config.reopen_delay_ms})` });
  }
  if (config.parser) {
    for (const problem of checkParserConfig(config.parser)) problems.push({ path: ['parser', ...problem.path], message: problem.message });
  }
  return problems;
}

/** The delimiter as bytes: UTF-8 for utf8 text, one byte per character otherwise (binary protocols). */
export function delimiterBytes(delimiter: string, encoding: SerialEncoding): Buffer {
  const decoded = decodeEscapes(delimiter);
  if (decoded instanceof Error) throw decoded;
  return Buffer.from(decoded, encoding === 'utf8' ? 'utf8' : 'latin1');
}
