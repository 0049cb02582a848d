import { TributaryError } from '../../core/errors.js';
import type { ConfigProblem, ProcessorSpec } from '../component.js';
import { roundTo } from '../expr/functions.js';
import { pathProblems } from './checks.js';
import { processorCounters } from './counters.js';
import { formatFieldPath, parseFieldPath, readField, RecordDraft } from './paths.js';
import { fieldPathSchema, processorSchema } from './schema.js';
import { converter, UNIT_NAMES, type UnitName } from './units.js';

export interface UnitConfig {
  type: 'unit';
  inputs: string[];
  /** The value field holding the number to convert. */
  field: string;
  from: UnitName;
  to: UnitName;
  /** Where the result goes; default: `field` itself. */
  target?: string;
  /** Decimals to round the result to; default: no rounding. */
  digits?: number;
}

/** `unit`: converts a numeric value field between units of temperature, pressure, speed or length. */
export const unitSpec: ProcessorSpec<UnitConfig> = {
  type: 'unit',
  description:
    'Converts a number in the value between units of one quantity: temperature (celsius, fahrenheit, kelvin), pressure (pa, hpa, kpa, bar, psi, inhg), speed (m_s, km_h, knots, mph) or length (m, km, ft, mi). A missing or null field passes unchanged; any other non-number makes the record a dead letter.',
  schema: processorSchema(
    'unit',
    'Converts a value field between units.',
    {
      field: fieldPathSchema('The number to convert, e.g. value.temperature.'),
      from: { description: 'The unit the field is in.', type: 'string', enum: [...UNIT_NAMES] },
      to: { description: 'The unit to convert to (same quantity as `from`).', type: 'string', enum: [...UNIT_NAMES] },
      target: fieldPathSchema('Where to write the result (e.g. value.temperature_f); default: over `field`.'),
      digits: { description: 'Round the result to this many decimals; default: no rounding.', type: 'integer', minimum: 0, maximum: 15 },
    },
    ['field', 'from', 'to'],
  ),
  check(config) {
    const problems: ConfigProblem[] = [...pathProblems(['field'], config.field, true)];
    if (config.target !== undefined) problems.push(...pathProblems(['target'], config.target, true));
    const convert = converter(config.from, config.to);
    if (typeof convert === 'string') problems.push({ path: ['to'], message: convert });
    return problems;
  },
  create(config, context) {
    const convert = converter(config.from, config.to);
    if (typeof convert === 'string') throw new TributaryError('ERR_PROCESSOR_CONFIG', convert);
    const field = parseFieldPath(config.field);
    const target = config.target === undefined ? field : parseFieldPath(config.target);
    const digits = config.digits;
    const draft = new RecordDraft();
    const counters = processorCounters(context);
    return {
      process(record, emit) {
        counters.recordsIn.inc();
        const x = readField(record, field);
        if (x === null) {
          counters.recordsOut.inc();
          emit(record);
          return;
        }
        if (typeof x !== 'number') {
          throw new TributaryError(
            'ERR_PROCESSOR_TYPE',
            `${formatFieldPath(field)} is ${Array.isArray(x) ? 'an array' : `a ${typeof x}`}, not a number to convert from ${config.from}; convert it first with a map (e.g. number(${formatFieldPath(field)}))`,
          );
        }
        const converted = convert(x);
        draft.begin(record);
        draft.set(target, digits === undefined ? converted : roundTo(converted, digits));
        counters.recordsOut.inc();
        emit(draft.finish());
      },
    };
  },
};
