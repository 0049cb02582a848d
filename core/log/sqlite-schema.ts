/** Bumped when the on-disk layout changes; a newer file is refused with a clear error. */
export const LOG_FORMAT_VERSION = 1;

/**
 * One row per batch: per-record rows read 6-10x slower and their DELETE-based retention doubles writes.
 * A rowid table plus an index (not WITHOUT ROWID): batch bodies are large, and the index costs one
 * entry per batch, not per record.
 */
export const LOG_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS partitions (
  partition INTEGER PRIMARY KEY,
  start_offset INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  batches INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  partition INTEGER NOT NULL,
  base_offset INTEGER NOT NULL,
  count INTEGER NOT NULL,
  first_ts INTEGER NOT NULL,
  max_ts INTEGER NOT NULL,
  append_ts INTEGER NOT NULL,
  codec INTEGER NOT NULL,
  crc INTEGER NOT NULL,
  quarantined INTEGER NOT NULL DEFAULT 0,
  body BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS batches_by_offset ON batches (partition, base_offset);
CREATE TABLE IF NOT EXISTS cursors (
  name TEXT NOT NULL,
  partition INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  PRIMARY KEY (name, partition)
);
CREATE TABLE IF NOT EXISTS drops (
  partition INTEGER NOT NULL,
  reason TEXT NOT NULL,
  records INTEGER NOT NULL,
  PRIMARY KEY (partition, reason)
);
`;
