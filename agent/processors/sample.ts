import type { ComponentContext, Processor, ProcessorSpec } from '../component.js';
import { BoundedMap } from './bounded-map.js';
import { processorCounters } from './counters.js';
import { processorSchema } from './schema.js';

export interface SampleConfig {
  type: 'sample';
  inputs: string[];
  /** Keep the first of every `every` records of each key. */
  every?: number;
  /** Or keep each record with this probability. */
  probability?: number;
  max_keys: number;
}

/** `sample`: keeps 1 in `every` records per key, or each record with `probability`; the rest are counted (reason `sampled`). */
export const sampleSpec: ProcessorSpec<SampleConfig> = {
  type: 'sample',
  description:
    'Keeps a sample of the records: the first of every `every` records of each key, or each record with probability `probability` (give one of the two). The others are dropped and counted as reason "sampled".',
  // "exactly one of every/probability" is left to `check`, whose message says it plainly.
  schema: processorSchema('sample', 'Keeps a sample of the records.', {
      every: { description: 'Keep 1 in this many records of each key (the 1st, the every+1st...).', type: 'integer', minimum: 1 },
      probability: { description: 'Keep each record with this probability, from 0 to 1.', type: 'number', minimum: 0, maximum: 1 },
      max_keys: {
        description: 'Most keys whose count is tracked with `every`; beyond that the longest-known key is forgotten (and starts over).',
        type: 'integer',
        minimum: 1,
        default: 10000,
      },
  }),
  check(config) {
    if ((config.every === undefined) === (config.probability === undefined)) {
      return [{ path: [], message: 'sample needs exactly one of `every` (keep 1 in N per key) or `probability` (keep each record with that chance)' }];
    }
    return [];
  },
  create: (config, context) => createSample(config, context),
};

/** Creates a sampler with an injectable random source (tests make it predictable). */
export function createSample(config: SampleConfig, context: ComponentContext, random: () => number = Math.random): Processor {
  const counters = processorCounters(context, 'sampled');
  const keep = config.every === undefined ? byProbability(config.probability ?? 1, random) : byCount(config.every, config.max_keys ?? 10000, context);
  return {
    process(record, emit) {
      counters.recordsIn.inc();
      if (keep(record.key)) {
        counters.recordsOut.inc();
        emit(record);
      } else {
        counters.dropped.inc();
      }
    },
  };
}

function byProbability(probability: number, random: () => number): (key: string) => boolean {
  return () => random() < probability;
}

function byCount(every: number, maxKeys: number, context: ComponentContext): (key: string) => boolean {
  const evicted = context.metrics.counter('tributary_processor_state_evicted_total', { processor: context.id });
  const seen = new BoundedMap<{ count: number }>(maxKeys, () => evicted.inc());
  return (key) => {
    const entry = seen.get(key);
    if (entry === undefined) {
      seen.set(key, { count: 1 });
      return true;
    }
    const kept = entry.count % every === 0;
    entry.count = (entry.count + 1) % every;
    return kept;
  };
}
