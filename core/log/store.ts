import type { EncodedBatch, StoredBatch } from './batch.js';

/** Offsets and size of one partition. Offsets are dense: records get start..next-1. */
export interface PartitionState {
  partition: number;
  /** Offset of the first record still stored. */
  startOffset: number;
  /** Offset the next appended record gets (the log end offset). */
  nextOffset: number;
  /** Bytes of stored batch bodies. */
  bytes: number;
  batches: number;
}

/** A batch to append: which partition it goes to; the store assigns its base offset. */
export interface BatchToAppend extends EncodedBatch {
  partition: number;
}

/** What a read returns: batches in offset order, plus corrupt batches it had to skip. */
export interface ReadResult {
  batches: StoredBatch[];
  /** Batches whose CRC did not match: skipped (and counted as dropped, reason `corrupt`). */
  corrupt: { baseOffset: number; count: number }[];
}

/**
 * Why records are dropped from a log, the `reason` of `tributary_buffer_dropped_records_total` and of
 * `LogStore.countDropped`: `buffer_full` (the agent buffer's when-full policy), `corrupt` (a CRC mismatch
 * found on read). Every partition's counter series exists at 0 for each of them from the start.
 */
export const DROP_REASONS = ['buffer_full', 'corrupt'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * A durable partitioned log (SQLite now; NATS JetStream for a scaled-out hub later).
 * Every method is synchronous and every mutation is one durable transaction.
 */
export interface LogStore {
  /** Random id of this log's incarnation: a log recreated from scratch gets a new one. */
  readonly logId: string;
  readonly partitions: number;
  /**
   * Appends batches (any partitions) and runs `alsoInTransaction` in the same durable transaction,
   * e.g. to save cursors or de-dup state with the data. Returns the stored batches with their offsets.
   */
  append(batches: BatchToAppend[], alsoInTransaction?: () => void): StoredBatch[];
  /**
   * Reads whole batches holding offsets >= fromOffset: the first one, then the following ones while their
   * bytes stay within maxBytes and their records (from fromOffset on) within maxRecords, when given.
   */
  read(partition: number, fromOffset: number, maxBytes: number, maxRecords?: number): ReadResult;
  state(partition: number): PartitionState;
  /** A named cursor (next offset to process), or undefined when never set. */
  cursor(name: string, partition: number): number | undefined;
  /** Moves a named cursor in memory; it is saved with the next append transaction or `saveCursors()`. */
  setCursor(name: string, partition: number, offset: number): void;
  /** Saves moved cursors now, in their own transaction. */
  saveCursors(): void;
  /** Deletes the oldest batches of a partition while `shouldDelete` says yes; returns the records and bytes deleted. */
  deleteOldest(partition: number, shouldDelete: (batch: { baseOffset: number; count: number; appendTs: number; bytes: number }) => boolean): { records: number; bytes: number };
  /** Adds to the persistent count of records dropped from a partition for a reason. */
  countDropped(partition: number, reason: string, records: number): void;
  /** Persistent drop counts, by partition and reason. */
  dropped(): { partition: number; reason: string; records: number }[];
  /** Runs a function in one durable transaction. */
  transaction<T>(fn: () => T): T;
  close(): void;
}
