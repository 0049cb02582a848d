import type { ConfigProblem, JsonSchema } from '../../component.js';
import type { JsonValue } from '../../../core/record.js';
import { roundTo, type Random } from './random.js';

/**
 * How one field of a generated value is made:
 * - `sequence`: 0, 1, 2, ... per key (consumers can check per-key order and gaps);
 * - `timestamp`: the record's event time (ms); `key`: the record key;
 * - `{ random: [min, max], decimals? }`: uniform in [min, max); `{ random_int: [min, max] }`: integer, both ends included;
 * - `{ walk: { start, step, min?, max?, decimals? } }`: per-key random walk (a drifting sensor);
 * - `{ sine: { min, max, period_s, decimals? } }`: a cycle over the event time (a day, a tide);
 * - `{ choice: [...] }`: one of the values; `{ const: value }` or a bare number/boolean/null: always that value.
 */
export type FieldSpec =
  | 'sequence'
  | 'timestamp'
  | 'key'
  | number
  | boolean
  | null
  | { const: JsonValue }
  | { random: [number, number]; decimals?: number }
  | { random_int: [number, number] }
  | { walk: { start: number; step: number; min?: number; max?: number; decimals?: number } }
  | { sine: { min: number; max: number; period_s: number; decimals?: number } }
  | { choice: JsonValue[] };

/** Field name → how it is generated. */
export type ValueTemplate = Record<string, FieldSpec>;

/** What a field generator may depend on. */
export interface FieldInput {
  key: string;
  /** Index of the key in the source's key list. */
  keyIndex: number;
  /** Records generated so far for this key. */
  sequence: number;
  ts: number;
  random: Random;
}

type FieldGenerator = (input: FieldInput) => JsonValue;

/** The value used when a generate source sets neither `value` nor `payload_bytes`. */
export const defaultTemplate: ValueTemplate = { seq: 'sequence', value: { random: [0, 100], decimals: 2 } };

const decimals = { type: 'integer', minimum: 0, maximum: 15, description: 'Round to this many decimal places.' };
const range = { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 };

/** JSON Schema of a value template. */
export const valueTemplateSchema: JsonSchema = {
  type: 'object',
  description: 'The value of each record: field name → generator. E.g. { seq: sequence, temp: { walk: { start: 21, step: 0.2 } }, door: { choice: [open, closed] } }.',
  minProperties: 1,
  additionalProperties: {
    oneOf: [
      { enum: ['sequence', 'timestamp', 'key'], description: 'sequence: 0, 1, 2... per key; timestamp: the event time in ms; key: the record key.' },
      { type: ['number', 'boolean', 'null'], description: 'This value in every record.' },
      { type: 'object', properties: { const: { description: 'This value (any JSON) in every record.' } }, required: ['const'], additionalProperties: false },
      {
        type: 'object',
        properties: { random: { ...range, description: 'Uniform number in [min, max).' }, decimals },
        required: ['random'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { random_int: { type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 2, description: 'Uniform integer in [min, max], both included.' } },
        required: ['random_int'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: {
          walk: {
            type: 'object',
            description: 'A random walk per key: starts at start, moves by up to ±step per record, stays within [min, max].',
            properties: {
              start: { type: 'number', description: 'First value of every key.' },
              step: { type: 'number', minimum: 0, description: 'Largest move per record.' },
              min: { type: 'number', description: 'Lower bound.' },
              max: { type: 'number', description: 'Upper bound.' },
              decimals,
            },
            required: ['start', 'step'],
            additionalProperties: false,
          },
        },
        required: ['walk'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: {
          sine: {
            type: 'object',
            description: 'A sine over the event time between min and max, e.g. a daily temperature cycle (period_s: 86400).',
            properties: {
              min: { type: 'number', description: 'Trough.' },
              max: { type: 'number', description: 'Crest.' },
              period_s: { type: 'number', exclusiveMinimum: 0, description: 'Length of one cycle in seconds.' },
              decimals,
            },
            required: ['min', 'max', 'period_s'],
            additionalProperties: false,
          },
        },
        required: ['sine'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { choice: { type: 'array', minItems: 1, description: 'One of these values, picked at random.' } },
        required: ['choice'],
        additionalProperties: false,
      },
    ],
  },
};

/** Problems the schema cannot see (ranges the wrong way round). Paths are relative to the template. */
export function checkValueTemplate(template: ValueTemplate): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [field, spec] of Object.entries(template)) {
    if (spec === null || typeof spec !== 'object') continue;
    if ('random' in spec && spec.random[0] > spec.random[1]) problems.push({ path: [field, 'random'], message: `min ${spec.random[0]} is above max ${spec.random[1]}` });
    if ('random_int' in spec && spec.random_int[0] > spec.random_int[1]) problems.push({ path: [field, 'random_int'], message: `min ${spec.random_int[0]} is above max ${spec.random_int[1]}` });
    if ('walk' in spec) {
      const { start, min = -Infinity, max = Infinity } = spec.walk;
      if (min > max) problems.push({ path: [field, 'walk', 'min'], message: `min ${min} is above max ${max}` });
      else if (start < min || start > max) problems.push({ path: [field, 'walk', 'start'], message: `start ${start} is outside [${min}, ${max}]` });
    }
    if ('sine' in spec && spec.sine.min > spec.sine.max) problems.push({ path: [field, 'sine', 'min'], message: `min ${spec.sine.min} is above max ${spec.sine.max}` });
  }
  return problems;
}

/** Compiles a template into a function making one value; `keyCount` sizes the per-key state of walks. */
export function compileTemplate(template: ValueTemplate, keyCount: number): (input: FieldInput) => { [field: string]: JsonValue } {
  const fields = Object.entries(template).map(([name, spec]) => [name, fieldGenerator(spec, keyCount)] as const);
  return (input) => {
    const value: { [field: string]: JsonValue } = {};
    for (const [name, generate] of fields) value[name] = generate(input);
    return value;
  };
}

function fieldGenerator(spec: FieldSpec, keyCount: number): FieldGenerator {
  if (spec === 'sequence') return (input) => input.sequence;
  if (spec === 'timestamp') return (input) => input.ts;
  if (spec === 'key') return (input) => input.key;
  if (spec === null || typeof spec !== 'object') return () => spec;
  if ('const' in spec) return () => spec.const;
  if ('random' in spec) {
    const [min, max] = spec.random;
    return (input) => roundTo(min + input.random() * (max - min), spec.decimals);
  }
  if ('random_int' in spec) {
    const [min, max] = spec.random_int;
    return (input) => min + Math.floor(input.random() * (max - min + 1));
  }
  if ('walk' in spec) {
    const { start, step, min = -Infinity, max = Infinity, decimals: places } = spec.walk;
    const positions = new Array<number>(keyCount).fill(start);
    return (input) => {
      const current = positions[input.keyIndex] ?? start;
      const next = Math.min(max, Math.max(min, current + (input.random() * 2 - 1) * step));
      positions[input.keyIndex] = next;
      return roundTo(current, places);
    };
  }
  if ('sine' in spec) {
    const { min, max, period_s, decimals: places } = spec.sine;
    const middle = (min + max) / 2;
    const amplitude = (max - min) / 2;
    return (input) => roundTo(middle + amplitude * Math.sin((2 * Math.PI * input.ts) / (period_s * 1000)), places);
  }
  const choices = spec.choice;
  return (input) => choices[Math.floor(input.random() * choices.length)] ?? null;
}
