import type Database from 'better-sqlite3';
import { batchCrc, type StoredBatch } from './batch.js';

/** One inconsistency found by `verifyLog`. */
export interface VerifyProblem {
  partition: number;
  baseOffset?: number;
  message: string;
}

export interface VerifyReport {
  partitions: number;
  batches: number;
  records: number;
  bytes: number;
  /** Batches already quarantined as corrupt by an earlier read (counted, not a new problem). */
  quarantined: number;
  problems: VerifyProblem[];
}

interface Row {
  partition: number;
  base_offset: number;
  count: number;
  first_ts: number;
  max_ts: number;
  codec: number;
  crc: number;
  quarantined: number;
  body: Buffer;
}

/**
 * Checks every batch's CRC and that each partition's counters match its batches (dense offsets,
 * start/next offsets, byte and batch counts). Reads in pages; `onProgress` gets batches checked so far.
 */
export function verifyLog(db: Database.Database, onProgress?: (checked: number, total: number) => void): VerifyReport {
  const total = (db.prepare('SELECT count(*) FROM batches').pluck().get() as number) ?? 0;
  const partitions = db.prepare('SELECT partition, start_offset, next_offset, bytes, batches FROM partitions ORDER BY partition').all() as {
    partition: number; start_offset: number; next_offset: number; bytes: number; batches: number;
  }[];
  const page = db.prepare('SELECT partition, base_offset, count, first_ts, max_ts, codec, crc, quarantined, body FROM batches WHERE partition = ? AND base_offset > ? ORDER BY base_offset LIMIT 256');
  const report: VerifyReport = { partitions: partitions.length, batches: 0, records: 0, bytes: 0, quarantined: 0, problems: [] };
  for (const part of partitions) {
    const problem = (message: string, baseOffset?: number) => report.problems.push({ partition: part.partition, baseOffset, message });
    let expected: number | undefined;
    let bytes = 0;
    let batches = 0;
    let after = -1;
    for (;;) {
      const rows = page.all(part.partition, after) as Row[];
      if (rows.length === 0) break;
      for (const row of rows) {
        if (expected === undefined && row.base_offset !== part.start_offset) problem(`first batch starts at ${row.base_offset}, partition start_offset says ${part.start_offset}`, row.base_offset);
        if (expected !== undefined && row.base_offset !== expected) problem(`offset gap: expected a batch at ${expected}, found ${row.base_offset}`, row.base_offset);
        if (row.count <= 0) problem(`batch has count ${row.count}`, row.base_offset);
        const batch: Omit<StoredBatch, 'crc' | 'appendTs'> = { partition: row.partition, baseOffset: row.base_offset, count: row.count, firstTs: row.first_ts, maxTs: row.max_ts, codec: row.codec as StoredBatch['codec'], body: row.body };
        if (row.quarantined === 1) report.quarantined++;
        else if (batchCrc(batch) !== row.crc) problem('CRC mismatch: the batch is corrupt (reads skip it and count it as dropped, reason corrupt)', row.base_offset);
        expected = row.base_offset + row.count;
        bytes += row.body.length;
        batches++;
        report.records += row.count;
      }
      after = rows[rows.length - 1]!.base_offset;
      report.batches += rows.length;
      onProgress?.(report.batches, total);
    }
    if (expected !== undefined && expected !== part.next_offset) problem(`last batch ends at ${expected}, partition next_offset says ${part.next_offset}`);
    if (expected === undefined && part.start_offset !== part.next_offset) problem(`partition is empty but start_offset ${part.start_offset} != next_offset ${part.next_offset}`);
    if (bytes !== part.bytes) problem(`stored bytes ${bytes} != partition counter ${part.bytes}`);
    if (batches !== part.batches) problem(`stored batches ${batches} != partition counter ${part.batches}`);
    report.bytes += bytes;
  }
  return report;
}
