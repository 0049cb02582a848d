/** Lag totals of a consumer group, apart from the DOM for tests. */
import type { GroupDescription } from '../types.js';

/** Sum of the partitions' lag in records, and the largest lag in time (ms). */
export function groupLag(description: Pick<GroupDescription, 'partitions'>): { records: number; maxMs: number } {
  let records = 0;
  let maxMs = 0;
  for (const partition of description.partitions) {
    records += Number.isFinite(partition.lag_records) ? partition.lag_records : 0;
    if (Number.isFinite(partition.lag_ms)) maxMs = Math.max(maxMs, partition.lag_ms);
  }
  return { records, maxMs };
}
