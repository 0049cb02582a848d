import type { JsonValue } from '../../core/record.js';

/** Outcome of parsing one frame (a serial line, an MQTT payload). */
export type ParseResult =
  | {
      ok: true;
      value: JsonValue;
      /** key taken from the payload, when the format knows one */
      key?: string;
      /** event time from the payload */
      ts?: number;
      /** The frame itself when it is exactly the value's JSON text (the `json` format): see DataRecord.valueJson. */
      json?: string;
    }
  | {
      ok: false;
      reason: string;
      /** Not an error: the frame carries no record (e.g. a CSV header line). Count it, don't dead-letter it. */
      skip?: boolean;
    };

/** Turns one frame of text into a record value. Never throws: bad input is a `{ ok: false }` result. */
export interface Parser {
  parse(frame: string): ParseResult;
  /** Forgets stream state (a CSV header read from the first frame); sources call it when a port is reopened. */
  reset?(): void;
}
