/**
 * A Map that holds at most `maxEntries`: adding to a full map evicts the entry inserted first,
 * so per-key state (buckets, counters, seen records) cannot grow with the number of keys.
 */
export class BoundedMap<V> {
  private readonly entries = new Map<string, V>();
  /** `onEvict` counts entries pushed out to make room (state lost early, worth a metric). */
  constructor(
    readonly maxEntries: number,
    private readonly onEvict: () => void = () => undefined,
  ) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  /** Adds or replaces; a replaced entry moves to the newest position. */
  set(key: string, value: V): void {
    if (this.entries.has(key)) this.entries.delete(key);
    else if (this.entries.size >= this.maxEntries) this.evictOldest();
    this.entries.set(key, value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Deletes entries from the oldest while `stale` says so; stops at the first fresh one. */
  dropOldestWhile(stale: (value: V) => boolean): void {
    for (const [key, value] of this.entries) {
      if (!stale(value)) return;
      this.entries.delete(key);
    }
  }

  private evictOldest(): void {
    for (const key of this.entries.keys()) {
      this.entries.delete(key);
      this.onEvict();
      return;
    }
  }
}
