/** A JSON value as parsed from a payload. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [field: string]: JsonValue };

/**
 * One data record on its way from a sensor to the hub.
 * `key` is the device/sensor id: it drives partitioning, so per-key order holds end to end.
 */
export interface DataRecord {
  /** Device or sensor id; records with the same key keep their order. */
  key: string;
  /** Event time in milliseconds since the epoch. */
  ts: number;
  /** The parsed payload. */
  value: JsonValue;
  /**
   * String metadata (source, topic, port, ...), like Kafka headers. Never mutated: a source may share one
   * frozen object among many records (agent/sources/shared-attrs.ts), and code that changes attrs builds a new object.
   */
  attrs: Record<string, string>;
  /**
   * The value's JSON text exactly as a source parsed it (`JSON.parse(valueJson)` is `value`), so the log
   * stores it without serialising the value again (~10 % of an MQTT agent's CPU). Records are never
   * mutated: code that changes the value builds a new record, and leaves this out unless the value is
   * the very same object.
   */
  readonly valueJson?: string | undefined;
}

/** Attributes set on a record that could not be processed (a dead letter). */
export const DEAD_LETTER_ATTR = 'dead_letter';
export const DEAD_LETTER_FROM_ATTR = 'dead_letter_from';
