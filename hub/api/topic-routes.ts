import type { Metrics } from '../../core/metrics.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import type { IngestRateMeter } from '../log/ingest-rate.js';
import type { ApiServer } from './server.js';

/** Adds GET /v1/topics/:topic: offsets, size and ingest rate per partition, and the ingest's de-dup and reject counts. */
export function addTopicRoutes(server: ApiServer, coordinator: GroupCoordinator, rates: Map<string, IngestRateMeter>, metrics: Metrics): void {
  server.route('GET', '/v1/topics/:topic', (req) => {
    const name = req.params.topic!;
    // throws ERR_GROUP_UNKNOWN_TOPIC (404) for a topic the hub does not have
    const store = coordinator.topicStore(name);
    const meter = rates.get(name);
    const partitions = Array.from({ length: store.partitions }, (_, partition) => {
      const state = store.state(partition);
      return {
        partition,
        startOffset: state.startOffset,
        nextOffset: state.nextOffset,
        records: state.nextOffset - state.startOffset,
        bytes: state.bytes,
        ingestRate: meter?.rate(partition) ?? 0,
      };
    });
    return {
      body: {
        name,
        partitions,
        totals: {
          records: partitions.reduce((sum, p) => sum + p.records, 0),
          bytes: partitions.reduce((sum, p) => sum + p.bytes, 0),
          duplicates: metrics.total('tributary_hub_duplicate_records_total'),
          rejected: metrics.total('tributary_hub_rejected_total'),
          invalid: sumWhere(metrics, 'tributary_hub_rejected_total', 'reason', 'invalid'),
        },
      },
    };
  });
}

function sumWhere(metrics: Metrics, name: string, label: string, value: string): number {
  return metrics.snapshot().reduce((sum, s) => (s.name === name && s.labels[label] === value ? sum + s.value : sum), 0);
}
