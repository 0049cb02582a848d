import type { ErrorObject } from 'ajv';
import { compileConfigSchema, type ConfigValidate } from '../../core/config/validator.js';
import { TributaryError, errorMessage } from '../../core/errors.js';
import type { JsonSchema } from '../component.js';
import { buildFlowSchema } from './schema.js';
import type { FlowRegistries } from './registries.js';

/** A compiled flow schema: validates in place (applies defaults, turns size strings into bytes). */
export interface FlowValidator {
  schema: JsonSchema;
  validate(data: unknown): ErrorObject[];
}

let compiled = new WeakMap<FlowRegistries, FlowValidator>();

/**
 * Drops the compiled schemas (about 15 MiB of generated code): a running agent validates its flow once,
 * and on a Raspberry Pi that memory is better spent on buffers.
 */
export function forgetFlowValidators(): void {
  compiled = new WeakMap();
}

/** Compiles (once per registries) the flow schema; a spec with a broken schema throws ERR_FLOW_SCHEMA. */
export function flowValidator(registries: FlowRegistries): FlowValidator {
  const cached = compiled.get(registries);
  if (cached !== undefined) return cached;
  const schema = buildFlowSchema(registries);
  let validate: ConfigValidate;
  try {
    validate = compileConfigSchema(schema);
  } catch (error) {
    throw new TributaryError(
      'ERR_FLOW_SCHEMA',
      `the flow schema does not compile (${errorMessage(error)}); a source or processor spec has an invalid schema: fix its \`schema\``,
      { cause: error },
    );
  }
  const validator: FlowValidator = { schema, validate };
  compiled.set(registries, validator);
  return validator;
}
