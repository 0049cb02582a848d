import type { DataRecord } from '../../core/record.js';
import type { ComponentContext, Processor, ProcessorSpec } from '../component.js';
import { compileExpression } from '../expr/index.js';
import { BoundedMap } from './bounded-map.js';
import { expressionProblems } from './checks.js';
import type { Clock } from './clock.js';
import { processorCounters } from './counters.js';
import { expressionSchema, processorSchema } from './schema.js';

export interface ThrottleConfig {
  type: 'throttle';
  inputs: string[];
  /** Sustained records per second per key. */
  rate_per_sec: number;
  /** Records a key may send at once after a quiet spell; default: one second's worth (at least 1). */
  burst?: number;
  /** Expression giving the throttling key; default: the record key. */
  key_field?: string;
  max_keys: number;
}

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/** `throttle`: a token bucket per key; records over the rate are dropped and counted (reason `throttled`). */
export const throttleSpec: ProcessorSpec<ThrottleConfig> = {
  type: 'throttle',
  description:
    'Limits each key to `rate_per_sec` records per second with bursts of up to `burst` (a token bucket per key, by processing time). Records over the limit are dropped and counted as reason "throttled".',
  schema: processorSchema(
    'throttle',
    'Limits the record rate per key.',
    {
      rate_per_sec: { description: 'Records per second each key may pass on average.', type: 'number', exclusiveMinimum: 0 },
      burst: { description: 'Records a key may pass at once after being quiet; default: rate_per_sec rounded up (at least 1).', type: 'integer', minimum: 1 },
      key_field: expressionSchema('What to throttle by, e.g. attrs.site; default: the record key (each device separately).'),
      max_keys: {
        description: 'Most keys tracked at once; beyond that the longest-known key is forgotten (and gets a full bucket when it returns).',
        type: 'integer',
        minimum: 1,
        default: 10000,
      },
    },
    ['rate_per_sec'],
  ),
  check: (config) => (config.key_field === undefined ? [] : expressionProblems(['key_field'], config.key_field)),
  create: (config, context) => createThrottle(config, context),
};

/** Creates a throttle with an injectable clock (tests drive time). */
export function createThrottle(config: ThrottleConfig, context: ComponentContext, clock: Clock = Date.now): Processor {
  const ratePerMs = config.rate_per_sec / 1000;
  const burst = config.burst ?? Math.max(1, Math.ceil(config.rate_per_sec));
  const keyOf = keyFunction(config.key_field);
  const counters = processorCounters(context, 'throttled');
  const evicted = context.metrics.counter('tributary_processor_state_evicted_total', { processor: context.id });
  const buckets = new BoundedMap<Bucket>(config.max_keys ?? 10000, () => evicted.inc());
  return {
    process(record, emit) {
      counters.recordsIn.inc();
      const now = clock();
      const key = keyOf(record);
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: burst, refilledAt: now };
        buckets.set(key, bucket);
      } else if (now > bucket.refilledAt) {
        // A clock that steps back adds nothing rather than taking tokens away.
        bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.refilledAt) * ratePerMs);
        bucket.refilledAt = now;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        counters.recordsOut.inc();
        emit(record);
      } else {
        counters.dropped.inc();
      }
    },
  };
}

/** The per-record grouping key: the record key, or an expression's result as text. */
export function keyFunction(expression: string | undefined): (record: DataRecord) => string {
  if (expression === undefined) return (record) => record.key;
  const compiled = compileExpression(expression);
  return (record) => {
    const key = compiled(record);
    return typeof key === 'string' ? key : JSON.stringify(key);
  };
}
