import type { Processor, ProcessorSpec, Source, SourceSpec } from '../../../agent/component.js';
import type { FlowRegistries } from '../../../agent/flow/registries.js';
import { secretRefSchema } from '../../../agent/flow/secrets.js';

// Tiny specs so the loader's tests do not depend on the real sources and processors.

const idleSource: Source = {
  start: async () => undefined,
  stop: async () => undefined,
  health: () => ({ state: 'stopped' }),
};

const passThrough: Processor = { process: (record, emit) => emit(record) };

export const tickerSpec: SourceSpec<{ type: 'ticker'; rate_per_sec: number; unit?: string }> = {
  type: 'ticker',
  description: 'Emits a record at a fixed rate.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    properties: {
      type: { const: 'ticker' },
      rate_per_sec: { description: 'Records per second.', type: 'number', exclusiveMinimum: 0, default: 1 },
      unit: { description: 'Unit of the value.', type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
  },
  create: () => idleSource,
};

export const brokerSpec: SourceSpec<{ type: 'broker'; url: string; password?: unknown; topics: string[] }> = {
  type: 'broker',
  description: 'Subscribes to a broker.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'url', 'topics'],
    properties: {
      type: { const: 'broker' },
      url: { description: 'Broker URL.', type: 'string', pattern: '^mqtts?://' },
      username: { description: 'User name.', type: 'string' },
      password: secretRefSchema,
      topics: { description: 'Topic filters.', type: 'array', items: { type: 'string' }, minItems: 1 },
      framing: {
        description: 'How frames are cut.',
        oneOf: [
          { type: 'object', additionalProperties: false, required: ['delimiter'], properties: { delimiter: { type: 'string', description: 'Delimiter.' } } },
          { type: 'object', additionalProperties: false, required: ['fixed_length'], properties: { fixed_length: { type: 'integer', minimum: 1, description: 'Length.' } } },
        ],
      },
    },
  },
  check(config) {
    return config.topics.includes('#/bad') ? [{ path: ['topics', config.topics.indexOf('#/bad')], message: 'expected "#" only at the end of a topic filter' }] : [];
  },
  create: () => idleSource,
};

export const passSpec: ProcessorSpec<{ type: 'pass' }> = {
  type: 'pass',
  description: 'Passes records through.',
  schema: { type: 'object', additionalProperties: false, properties: { type: { const: 'pass' } } },
  create: () => passThrough,
};

export const forkSpec: ProcessorSpec<{ type: 'fork'; routes: Record<string, string> }> = {
  type: 'fork',
  description: 'Sends records to named outputs.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'routes'],
    properties: {
      type: { const: 'fork' },
      routes: { description: 'Output name -> condition.', type: 'object', additionalProperties: { type: 'string' } },
    },
  },
  outputs: (config) => Object.keys(config.routes),
  check: (config) => Object.entries(config.routes).flatMap(([name, condition]) => (condition.includes('??') ? [{ path: ['routes', name], message: `cannot compile "${condition}"` }] : [])),
  create: () => passThrough,
};

/** Registries with only the fake specs above. */
export function fakeRegistries(): FlowRegistries {
  return {
    sourceSpecs: { ticker: tickerSpec, broker: brokerSpec } as FlowRegistries['sourceSpecs'],
    processorSpecs: { pass: passSpec, fork: forkSpec } as FlowRegistries['processorSpecs'],
  };
}
