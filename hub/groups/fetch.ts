import { TributaryError } from '../../core/errors.js';
import { decodeBatch } from '../../core/log/batch.js';
import type { LogStore } from '../../core/log/store.js';
import type { DataRecord } from '../../core/record.js';

/** A record with its offset in its partition. */
export interface FetchedRecord extends DataRecord {
  offset: number;
}

/** Offsets `from` (inclusive) to `to` (exclusive). */
export interface OffsetRange {
  from: number;
  to: number;
}

export interface FetchResult {
  records: FetchedRecord[];
  /** Offset to fetch next (after the records and anything skipped). */
  nextOffset: number;
  logStart: number;
  logEnd: number;
  /** Records deleted by retention before they were read: the fetch continued from the log start. */
  lost?: OffsetRange;
  /** Batches skipped because their CRC or body is bad (counted by the log as dropped, reason `corrupt`). */
  corrupt: OffsetRange[];
}

/**
 * Reads records from `offset` (the batch holding it, then whole batches while they fit in `maxBytes`). An offset below
 * the log start reports the deleted range as `lost` and reads from the start; above the log end throws
 * ERR_FETCH_OFFSET_OUT_OF_RANGE.
 */
export function fetchRecords(store: LogStore, partition: number, offset: number, maxBytes: number): FetchResult {
  const state = store.state(partition);
  if (offset > state.nextOffset) {
    throw new TributaryError('ERR_FETCH_OFFSET_OUT_OF_RANGE', `offset ${offset} is past the end of partition ${partition} (log end ${state.nextOffset}): fetch from an offset the log has given out`);
  }
  const result: FetchResult = { records: [], nextOffset: offset, logStart: state.startOffset, logEnd: state.nextOffset, corrupt: [] };
  let from = offset;
  if (from < state.startOffset) {
    result.lost = { from, to: state.startOffset };
    from = state.startOffset;
  }
  result.nextOffset = from;
  if (from >= state.nextOffset) return result;
  const read = store.read(partition, from, maxBytes);
  const skipped = read.corrupt.map((c) => ({ from: Math.max(from, c.baseOffset), to: c.baseOffset + c.count }));
  for (const batch of read.batches) {
    let records: DataRecord[];
    try {
      records = decodeBatch(batch.body, batch.codec);
    } catch {
      skipped.push({ from: Math.max(from, batch.baseOffset), to: batch.baseOffset + batch.count });
      continue;
    }
    for (let i = Math.max(0, from - batch.baseOffset); i < records.length; i++) result.records.push({ offset: batch.baseOffset + i, ...records[i]! });
    result.nextOffset = Math.max(result.nextOffset, batch.baseOffset + batch.count);
  }
  for (const range of skipped) result.nextOffset = Math.max(result.nextOffset, range.to);
  result.corrupt = skipped.sort((a, b) => a.from - b.from);
  return result;
}
