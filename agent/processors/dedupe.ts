import { createHash } from 'node:crypto';
import type { JsonValue } from '../../core/record.js';
import type { ComponentContext, ConfigProblem, Processor, ProcessorSpec } from '../component.js';
import { BoundedMap } from './bounded-map.js';
import { pathProblems } from './checks.js';
import type { Clock } from './clock.js';
import { processorCounters } from './counters.js';
import { parseFieldPath, readField } from './paths.js';
import { fieldPathSchema, processorSchema } from './schema.js';

/** Fingerprints up to this length are kept as they are (cheaper than hashing). */
const MAX_PLAIN_FINGERPRINT = 128;

export interface DedupeConfig {
  type: 'dedupe';
  inputs: string[];
  window_ms: number;
  /** Field paths compared besides the key; absent: the whole value. */
  fields?: string[];
  max_entries: number;
}

/** `dedupe`: drops a record when one with the same key and fields was kept less than `window_ms` ago (reason `duplicate`). */
export const dedupeSpec: ProcessorSpec<DedupeConfig> = {
  type: 'dedupe',
  description:
    'Drops a record when a record with the same key and the same `fields` (default: the same whole value) passed less than `window_ms` ago, by processing time. The window starts at the record that passed: a value repeated forever passes once per window. Drops are counted as reason "duplicate".',
  schema: processorSchema(
    'dedupe',
    'Drops repeated records within a time window.',
    {
      window_ms: { description: 'How long a passed record suppresses its repeats, in milliseconds.', type: 'integer', minimum: 1 },
      fields: {
        description: 'What makes records the same besides the key, e.g. [value.seq] or [value.lat, value.lon]; default: the whole value.',
        type: 'array',
        minItems: 1,
        items: fieldPathSchema('A field compared between records.'),
      },
      max_entries: {
        description: 'Most records remembered at once; beyond that the oldest is forgotten early (counted in tributary_processor_state_evicted_total), so a repeat of it may pass.',
        type: 'integer',
        minimum: 1,
        default: 10000,
      },
    },
    ['window_ms'],
  ),
  check(config) {
    const problems: ConfigProblem[] = [];
    (config.fields ?? []).forEach((text, index) => problems.push(...pathProblems(['fields', index], text)));
    return problems;
  },
  create: (config, context) => createDedupe(config, context),
};

/** Creates a dedupe with an injectable clock (tests drive time). */
export function createDedupe(config: DedupeConfig, context: ComponentContext, clock: Clock = Date.now): Processor {
  const window = config.window_ms;
  const paths = config.fields?.map(parseFieldPath);
  const counters = processorCounters(context, 'duplicate');
  const evicted = context.metrics.counter('tributary_processor_state_evicted_total', { processor: context.id });
  /** Fingerprint -> when its record passed. Insertion order is time order, so expired entries sit at the front. */
  const passedAt = new BoundedMap<number>(config.max_entries ?? 10000, () => evicted.inc());
  const selected: JsonValue[] = [];
  return {
    process(record, emit) {
      counters.recordsIn.inc();
      const now = clock();
      let fingerprint: string;
      if (paths === undefined) {
        fingerprint = `${record.key}\u0000${JSON.stringify(record.value)}`;
      } else {
        selected.length = 0;
        for (const path of paths) selected.push(readField(record, path));
        fingerprint = `${record.key}\u0000${JSON.stringify(selected)}`;
      }
      // Long fingerprints are remembered by digest, so memory per entry stays small whatever the payload.
      if (fingerprint.length > MAX_PLAIN_FINGERPRINT) fingerprint = createHash('sha256').update(fingerprint).digest('base64');
      const seenAt = passedAt.get(fingerprint);
      // A clock that stepped back (seenAt in the future) lets the record pass: a duplicate is better than a loss.
      if (seenAt !== undefined && now >= seenAt && now - seenAt < window) {
        counters.dropped.inc();
        return;
      }
      if (passedAt.size >= passedAt.maxEntries) passedAt.dropOldestWhile((at) => now - at >= window);
      passedAt.set(fingerprint, now);
      counters.recordsOut.inc();
      emit(record);
    },
  };
}
