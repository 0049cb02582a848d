import type { ConfigProblem, JsonSchema } from '../../component.js';
import { checkValueTemplate, valueTemplateSchema, type ValueTemplate } from './value-template.js';

/** `type: generate` options, with defaults applied by the flow loader. */
export interface GenerateSourceConfig {
  type: 'generate';
  rate_per_sec: number;
  count?: number;
  batch_size?: number;
  keys?: string[];
  key_count: number;
  key_prefix: string;
  value?: ValueTemplate;
  payload_bytes?: number;
  seed?: number;
}

/** Defaults, also used by code that builds a config without the flow loader (tests, benchmarks). */
export const generateSourceDefaults = {
  rate_per_sec: 10,
  key_count: 1,
  key_prefix: 'gen-',
} as const satisfies Partial<GenerateSourceConfig>;

export const generateSourceSchema: JsonSchema = {
  type: 'object',
  description: 'Synthetic records at a set rate, for demos, tests and benchmarks: values from a template of generators, or fixed-size filler strings.',
  properties: {
    type: { const: 'generate', description: 'Source type.' },
    rate_per_sec: {
      type: 'number',
      minimum: 0,
      default: generateSourceDefaults.rate_per_sec,
      description: 'Records per second, exact on average (at high rates they go out in batches every few ms). 0: as fast as the log takes them.',
    },
    count: { type: 'integer', minimum: 1, description: 'Stop after this many records. Default: run until the agent stops.' },
    batch_size: {
      type: 'integer',
      minimum: 1,
      description: 'Records per emit. Default: one batch about every 5 ms at the configured rate (1 record at low rates, 1000 when rate_per_sec is 0).',
    },
    keys: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true, description: 'Record keys, used in turn. Overrides key_count and key_prefix.' },
    key_count: { type: 'integer', minimum: 1, default: generateSourceDefaults.key_count, description: 'Number of keys, named <key_prefix>0, <key_prefix>1, ... and used in turn.' },
    key_prefix: { type: 'string', default: generateSourceDefaults.key_prefix, description: 'Prefix of generated key names.' },
    value: valueTemplateSchema,
    payload_bytes: { type: 'integer', minimum: 0, description: 'Instead of value: each record value is a string of this many ASCII characters (benchmark filler).' },
    seed: { type: 'integer', description: 'Seed of the random generators: the same seed gives the same keys and values in the same order. Default: a new seed per run.' },
  },
  required: ['type'],
  additionalProperties: false,
};

/** Checks what the schema cannot: value and payload_bytes together, template ranges. */
export function checkGenerateSourceConfig(config: GenerateSourceConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.value !== undefined && config.payload_bytes !== undefined) {
    problems.push({ path: ['payload_bytes'], message: 'set either value (a template) or payload_bytes (filler), not both' });
  }
  if (config.value !== undefined) {
    problems.push(...checkValueTemplate(config.value).map((p) => ({ ...p, path: ['value', ...p.path] })));
  }
  return problems;
}
