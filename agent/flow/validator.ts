import ajvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import { TributaryError, errorMessage } from '../../core/errors.js';
import type { JsonSchema } from '../component.js';
import { buildFlowSchema } from './schema.js';
import type { FlowRegistries } from './registries.js';
import { BYTE_SIZE_KEYWORD, parseByteSize } from './sizes.js';

// ajv is CommonJS: under NodeNext its class is the default export's `default`
const Ajv = ajvModule.default;

/** A compiled flow schema: validates in place (applies defaults, turns size strings into bytes). */
export interface FlowValidator {
  schema: JsonSchema;
  validate(data: unknown): ErrorObject[];
}

const compiled = new WeakMap<FlowRegistries, FlowValidator>();

interface ByteSizeLimits {
  minimum: number;
  maximum?: number;
}

function byteSizeKeyword(): Parameters<InstanceType<typeof Ajv>['addKeyword']>[0] {
  const validate = (limits: ByteSizeLimits, data: unknown, _schema: unknown, context?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number }): boolean => {
    if (typeof data !== 'string' || context === undefined) return true;
    const bytes = parseByteSize(data);
    if (bytes === undefined) return true; // the pattern next to this keyword reports it
    const tooSmall = bytes < limits.minimum;
    const tooLarge = limits.maximum !== undefined && bytes > limits.maximum;
    if (tooSmall || tooLarge) {
      validateWithErrors.errors = [{
        keyword: BYTE_SIZE_KEYWORD,
        message: `expected a size ${tooSmall ? `>= ${limits.minimum}` : `<= ${String(limits.maximum)}`} bytes, got "${data}" (${bytes} bytes)`,
        params: { bytes },
      }];
      return false;
    }
    context.parentData[context.parentDataProperty] = bytes;
    return true;
  };
  const validateWithErrors = Object.assign(validate, { errors: [] as Partial<ErrorObject>[] });
  return { keyword: BYTE_SIZE_KEYWORD, modifying: true, errors: true, schemaType: 'object', validate: validateWithErrors };
}

/** Compiles (once per registries) the flow schema; a spec with a broken schema throws ERR_FLOW_SCHEMA. */
export function flowValidator(registries: FlowRegistries): FlowValidator {
  const cached = compiled.get(registries);
  if (cached !== undefined) return cached;
  const schema = buildFlowSchema(registries);
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    // specs may pick a oneOf branch by a tag (the parser's `format`): errors then come from that branch only
    discriminator: true,
  });
  ajv.addKeyword(byteSizeKeyword());
  let validateFunction: ValidateFunction;
  try {
    validateFunction = ajv.compile(schema);
  } catch (error) {
    throw new TributaryError(
      'ERR_FLOW_SCHEMA',
      `the flow schema does not compile (${errorMessage(error)}); a source or processor spec has an invalid schema: fix its \`schema\``,
      { cause: error },
    );
  }
  const validator: FlowValidator = {
    schema,
    validate(data) {
      return validateFunction(data) ? [] : [...(validateFunction.errors ?? [])];
    },
  };
  compiled.set(registries, validator);
  return validator;
}
