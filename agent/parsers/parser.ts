import type { JsonValue } from '../../core/record.js';

/** Outcome of parsing one frame (a serial line, an MQTT payload). */
export type ParseResult =
  | { ok: true; value: JsonValue; /** key taken from the payload, when the format knows one */ key?: string; /** event time from the payload */ ts?: number }
  | { ok: false; reason: string };

/** Turns one frame of text into a record value. Never throws: bad input is a `{ ok: false }` result. */
export interface Parser {
  parse(frame: string): ParseResult;
}
