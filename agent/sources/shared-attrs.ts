/**
 * Frozen attrs objects shared by the records of one source (and MQTT topic). Frozen, so no processor can
 * change them for every record at once; `encodeRecord` (core/log/batch.ts) also serialises each one only once.
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
