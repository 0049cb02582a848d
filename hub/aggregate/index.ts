/** The built-in aggregator's public surface: settings, the per-partition engine, retention and queries. */
export { aggregateSettings, retentionMs, AGGREGATE_DEFAULTS, type AggregateSettings } from './config.js';
export { durationMs, formatDuration, type Duration } from './duration.js';
export { PartitionAggregator, batchRecords, type FlushResult, type OffsetRecord, type OffsetWriter, type PartitionAggregatorOptions } from './engine.js';
export { AggregateQueries, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type LateCount, type LatestValue, type WindowQuery, type WindowResult } from './query.js';
export { readInto, type ReadIntoOptions, type ReadIntoResult } from './reader.js';
export { deleteExpiredWindows, ensureAggregateSchema } from './store.js';
export { RELATIVE_ACCURACY } from './sketch.js';
