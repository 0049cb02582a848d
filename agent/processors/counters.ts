import type { Counter } from '../../core/metrics.js';
import type { ComponentContext } from '../component.js';

/** Why a processor dropped a record on purpose; each is counted, never silent. */
export type DropReason = 'filtered' | 'throttled' | 'sampled' | 'duplicate';

/** A processor's record counters, resolved once so counting costs an addition per record. */
export interface ProcessorCounters {
  /** tributary_processor_records_in_total{processor} */
  recordsIn: Counter;
  /** tributary_processor_records_out_total{processor} */
  recordsOut: Counter;
  /** tributary_processor_dropped_total{processor, reason} */
  dropped: Counter;
}

/** Creates the counters of processor `context.id`; `dropReason` labels its drops. */
export function processorCounters(context: ComponentContext, dropReason?: DropReason): ProcessorCounters {
  const labels = { processor: context.id };
  const { metrics } = context;
  return {
    recordsIn: metrics.counter('tributary_processor_records_in_total', labels),
    recordsOut: metrics.counter('tributary_processor_records_out_total', labels),
    dropped: dropReason === undefined ? { inc: () => undefined } : metrics.counter('tributary_processor_dropped_total', { ...labels, reason: dropReason }),
  };
}
