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
   * frozen object among many records (see `sharedAttrs`), and code that changes attrs builds a new object.
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

/**
 * Frozen attrs objects shared by the records of one source (and MQTT topic). Frozen, so no processor can
 * change them for every record at once; `encodeRecord` also serialises each one only once.
 */
export class SharedAttrs {
  private readonly byName = new Map<string, Readonly<Record<string, string>>>();

  constructor(private readonly maxEntries = 4096) {}

  /** The shared attrs for `name`, made by `make` the first time (all forgotten past `maxEntries` names). */
  get(name: string, make: () => Record<string, string>): Record<string, string> {
    let attrs = this.byName.get(name);
    if (attrs === undefined) {
      if (this.byName.size >= this.maxEntries) this.byName.clear();
      attrs = Object.freeze(make());
      this.byName.set(name, attrs);
    }
    return attrs as Record<string, string>;
  }
}
