import { errorMessage } from '../../core/errors.js';
import type { LogStore } from '../../core/log/store.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { decodeBatch } from '../../core/log/batch.js';
import type { PartitionAggregator } from './engine.js';

/** What one `readInto` call did. */
export interface ReadIntoResult {
  /** Records handed to the aggregator. */
  records: number;
  /** Records skipped because retention deleted them before the aggregator read them. */
  lost: number;
  /** Records skipped because their batch is corrupt (CRC mismatch, undecodable body). */
  corrupt: number;
  /** The aggregator's position reached the partition's end. */
  atEnd: boolean;
}

export interface ReadIntoOptions {
  /** About how many bytes of batches to read (at least one batch). */
  maxBytes?: number;
  metrics?: Metrics;
  logger?: Logger;
}

/**
 * Reads the aggregator's partition from its position and applies the records in memory (the caller
 * flushes with its offset writer). Data deleted by retention or corrupt is skipped and counted
 * (`tributary_aggregate_skipped_records_total{partition, reason}`), never silently.
 */
export function readInto(aggregator: PartitionAggregator, store: Pick<LogStore, 'read' | 'state'>, options: ReadIntoOptions = {}): ReadIntoResult {
  const partition = aggregator.partition;
  const result: ReadIntoResult = { records: 0, lost: 0, corrupt: 0, atEnd: false };
  const state = store.state(partition);
  if (aggregator.position < state.startOffset) {
    result.lost = state.startOffset - aggregator.position;
    options.logger?.warn({ partition, from: aggregator.position, to: state.startOffset }, `aggregator: ${result.lost} records of partition ${partition} were deleted by retention before they were aggregated`);
    aggregator.skipTo(state.startOffset);
  }
  if (aggregator.position < state.nextOffset) {
    const read = store.read(partition, aggregator.position, options.maxBytes ?? 1 << 20);
    const pieces = [
      ...read.batches.map((batch) => ({ baseOffset: batch.baseOffset, count: batch.count, batch })),
      ...read.corrupt.map((range) => ({ ...range, batch: undefined })),
    ].sort((a, b) => a.baseOffset - b.baseOffset);
    for (const piece of pieces) {
      const from = aggregator.position;
      if (piece.baseOffset + piece.count <= from) continue;
      if (piece.batch !== undefined) {
        try {
          aggregator.processBatch(piece.baseOffset, decodeBatch(piece.batch.body, piece.batch.codec));
          result.records += aggregator.position - from;
          continue;
        } catch (error) {
          options.logger?.error({ partition, baseOffset: piece.baseOffset, err: error }, `aggregator: skipping an undecodable batch: ${errorMessage(error)}`);
        }
      }
      result.corrupt += piece.baseOffset + piece.count - Math.max(from, piece.baseOffset);
      aggregator.skipTo(piece.baseOffset + piece.count);
    }
  }
  const labels = { partition: String(partition) };
  if (result.lost > 0) options.metrics?.inc('tributary_aggregate_skipped_records_total', { ...labels, reason: 'lost' }, result.lost);
  if (result.corrupt > 0) options.metrics?.inc('tributary_aggregate_skipped_records_total', { ...labels, reason: 'corrupt' }, result.corrupt);
  result.atEnd = aggregator.position >= state.nextOffset;
  return result;
}
