import { TributaryError } from '../../core/errors.js';
import type { JsonValue } from '../../core/record.js';
import type { ProcessorSpec } from '../component.js';
import { processorCounters } from './counters.js';
import { isObject } from './paths.js';
import { processorSchema } from './schema.js';

export interface EnrichConfig {
  type: 'enrich';
  inputs: string[];
  /** Static attributes, written over the record's. */
  attrs: Record<string, string>;
  /** Static top-level fields, merged into an object value. */
  fields: Record<string, JsonValue>;
}

/** `enrich`: adds static attributes and value fields (site, building, calibration...). */
export const enrichSpec: ProcessorSpec<EnrichConfig> = {
  type: 'enrich',
  description:
    'Adds static attributes and static value fields to every record; the static values win over the record\'s. A record whose value is not an object cannot take fields and becomes a dead letter.',
  schema: processorSchema('enrich', 'Adds static attributes and fields.', {
    attrs: {
      description: 'Attributes to add, name -> text, e.g. { site: gh1 }. They replace attributes of the same name.',
      type: 'object',
      additionalProperties: { type: 'string' },
      default: {},
    },
    fields: {
      description: 'Top-level fields to add to the value (which must be an object), name -> any JSON value. They replace fields of the same name.',
      type: 'object',
      default: {},
    },
  }),
  check(config) {
    if (Object.keys(config.attrs ?? {}).length === 0 && Object.keys(config.fields ?? {}).length === 0) {
      return [{ path: [], message: 'enrich does nothing: give it `attrs` or `fields` to add' }];
    }
    return [];
  },
  create(config, context) {
    const attrs = { ...(config.attrs ?? {}) };
    // Shared by every record it enriches: frozen so a consumer mutating one record cannot change the others.
    const fields = deepFreeze(structuredClone(config.fields ?? {})) as Record<string, JsonValue>;
    const addAttrs = Object.keys(attrs).length > 0;
    const addFields = Object.keys(fields).length > 0;
    const counters = processorCounters(context);
    return {
      process(record, emit) {
        counters.recordsIn.inc();
        let value = record.value;
        if (addFields) {
          if (!isObject(value)) {
            throw new TributaryError(
              'ERR_PROCESSOR_TYPE',
              `enrich adds fields to an object value, but this value is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}; put a map before it (e.g. set "value": ...) or enrich with attrs instead`,
            );
          }
          value = { ...value, ...fields };
        }
        counters.recordsOut.inc();
        const valueJson = value === record.value ? record.valueJson : undefined;
        emit({ key: record.key, ts: record.ts, value, attrs: addAttrs ? { ...record.attrs, ...attrs } : record.attrs, valueJson });
      },
    };
  },
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
