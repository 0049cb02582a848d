import ajvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from './json-schema.js';
import { BYTE_SIZE_KEYWORD, parseByteSize } from './sizes.js';

// ajv is CommonJS: under NodeNext its class is the default export's `default`
const Ajv = ajvModule.default;

/** Validates in place: applies defaults, turns size strings into bytes; returns ajv's errors (none = valid). */
export type ConfigValidate = (data: unknown) => ErrorObject[];

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

/**
 * Compiles a config schema with the options every Tributary config shares: all errors, defaults applied,
 * strict schemas, `x-byte-size` sizes, oneOf branches picked by a discriminator. Throws ajv's error when
 * the schema itself is broken.
 */
export function compileConfigSchema(schema: JsonSchema): ConfigValidate {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    verbose: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    // a spec may pick a oneOf branch by a tag (the parser's `format`): errors then come from that branch only
    discriminator: true,
  });
  ajv.addKeyword(byteSizeKeyword());
  const validateFunction: ValidateFunction = ajv.compile(schema);
  return (data) => (validateFunction(data) ? [] : [...(validateFunction.errors ?? [])]);
}
