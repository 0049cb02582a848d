/**
 * Maps a record key to a partition: FNV-1a (32-bit) over the key's UTF-8 bytes, modulo the count.
 * This function is part of the on-disk contract: changing it reorders keys across partitions.
 */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions;
}

/** FNV-1a 32-bit hash of a string's UTF-8 bytes. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(text, 'utf8');
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A partitioner that caches the partition of each key seen (devices are few; records are many). */
export function cachedPartitioner(partitions: number, maxKeys = 100_000): (key: string) => number {
  const cache = new Map<string, number>();
  return (key) => {
    let p = cache.get(key);
    if (p === undefined) {
      p = partitionOf(key, partitions);
      if (cache.size >= maxKeys) cache.clear();
      cache.set(key, p);
    }
    return p;
  };
}
