import type { ErrorObject } from 'ajv';
import type { JsonSchema } from './json-schema.js';
import type { ConfigPath } from './problems.js';
import { BYTE_SIZE_KEYWORD } from './sizes.js';
import { didYouMean, didYouMeanSuffix } from './suggest.js';

/** A schema problem before it is given a file position: where it is and whether to point at the key or the value. */
export interface PathProblem {
  path: ConfigPath;
  at: 'key' | 'value';
  message: string;
}

/** What a config format adds to the generic messages. */
export interface SchemaProblemContext {
  /** The validated data (ajv paths are resolved against it). */
  data: unknown;
  /**
   * What the mapping at `path` is when it is more than a bag of keys, e.g. `a source of type serial`:
   * unknown and missing keys are then called options of it.
   */
  ownerAt?(path: ConfigPath): string | undefined;
  /** A problem of the format's own for an error (e.g. an unknown component type), or undefined for the generic message. */
  describe?(error: ErrorObject, path: (string | number)[]): PathProblem | undefined;
}

/** Splits an ajv instance path (`/sources/gps/inputs/0`) into keys and array indexes, using the data to tell them apart. */
export function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return path;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function preview(value: unknown): string {
  // JSON has no Infinity/NaN (YAML's .inf/.nan): JSON.stringify would say null
  const text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `string "9600"`, `number 1.5`, `null`, `object {"a":1}`: what the author wrote, for "got ..." */
export function describeValue(value: unknown): string {
  if (value === null) return 'null (an empty value)';
  if (value === undefined) return 'nothing';
  const type = typeOf(value);
  return `${type === 'integer' ? 'number' : type} ${preview(value)}`;
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1) ?? ''}`;
}

function schemaTypes(schema: unknown): string[] {
  const type = (schema as JsonSchema | undefined)?.type;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.map(String) : [];
}

function acceptsType(schema: JsonSchema, value: unknown): boolean {
  const actual = typeOf(value);
  if ('const' in schema) return typeOf(schema.const) === actual || (actual === 'integer' && typeOf(schema.const) === 'number');
  if (Array.isArray(schema.enum)) return schema.enum.some((option) => typeOf(option) === actual);
  const types = schemaTypes(schema);
  if (types.length === 0) return true;
  return types.includes(actual) || (actual === 'integer' && types.includes('number'));
}

/** `a string`, `an object with "env"`, `"block"`: one alternative of a oneOf/anyOf, for "expected ..." */
function describeAlternative(schema: JsonSchema): string {
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((option) => JSON.stringify(option)).join(', ')}`;
  const types = schemaTypes(schema);
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  if (types.includes('object') && required.length > 0) return `an object with ${required.map((key) => `"${key}"`).join(' and ')}`;
  if (types.length === 0) return 'a value of another shape';
  return joinOr(types.map((type) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`)));
}

function propertyNames(schema: unknown): string[] {
  const properties = (schema as JsonSchema | undefined)?.properties;
  return properties !== null && typeof properties === 'object' ? Object.keys(properties) : [];
}

function limitMessage(error: ErrorObject): string {
  const limit = String(error.params.limit);
  const comparison = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[error.keyword] ?? error.keyword;
  return `expected a number ${comparison} ${limit}, got ${preview(error.data)}`;
}

/** One message for a failed oneOf/anyOf whose alternatives all fit the value's type: what would fit, and a did-you-mean for stray keys. */
function alternativesMessage(error: ErrorObject): string {
  const alternatives = (Array.isArray(error.schema) ? error.schema : []) as JsonSchema[];
  const parent = error.parentSchema as JsonSchema | undefined;
  if (parent !== undefined && BYTE_SIZE_KEYWORD in parent) {
    return `expected a number of bytes or a size such as "256MiB", got ${describeValue(error.data)}`;
  }
  const passing = error.params.passingSchemas as unknown;
  if (Array.isArray(passing)) {
    // not the author's fault: the spec's alternatives overlap
    return `matches more than one of: ${joinOr(passing.map((index: number) => describeAlternative(alternatives[index] ?? {})))} (the spec's alternatives overlap: please report it)`;
  }
  let message = `expected ${joinOr(alternatives.map(describeAlternative))}, got ${describeValue(error.data)}`;
  if (error.data !== null && typeof error.data === 'object' && !Array.isArray(error.data)) {
    const known = alternatives.flatMap(propertyNames);
    const stray = Object.keys(error.data).find((key) => !known.includes(key));
    if (stray !== undefined) {
      const suggestion = didYouMean(stray, known);
      if (suggestion !== undefined) message += ` (did you mean "${suggestion}" instead of "${stray}"?)`;
    }
  }
  return message;
}

/**
 * Turns ajv's errors into one readable problem each: unknown keys point at the key with a
 * did-you-mean, oneOf/anyOf failures collapse to the alternative that fits the value's type
 * (or one "expected a, b or c" message); `context` lets a format word its own errors.
 */
export function schemaProblems(errors: ErrorObject[], context: SchemaProblemContext): PathProblem[] {
  const dropped = new Set<ErrorObject>();
  const alternativeErrors = errors
    .filter((error) => error.keyword === 'oneOf' || error.keyword === 'anyOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  const summaries = new Set<ErrorObject>();
  for (const error of alternativeErrors) {
    if (dropped.has(error)) continue;
    const alternatives = (Array.isArray(error.schema) ? error.schema : []) as JsonSchema[];
    const base = error.schemaPath.slice(0, -error.keyword.length);
    let fitting = alternatives.map((alternative, index) => ({ alternative, index })).filter(({ alternative }) => acceptsType(alternative, error.data));
    if (fitting.length > 1 && error.data !== null && typeof error.data === 'object' && !Array.isArray(error.data)) {
      // objects: the alternative whose required keys are all there is the one the author meant
      const present = Object.keys(error.data);
      const complete = fitting.filter(({ alternative }) => Array.isArray(alternative.required) && alternative.required.length > 0 && alternative.required.every((key) => present.includes(String(key))));
      if (complete.length === 1) fitting = complete;
    }
    const keep = fitting.length === 1 && !(BYTE_SIZE_KEYWORD in ((error.parentSchema ?? {}) as JsonSchema)) ? fitting[0]?.index : undefined;
    for (const other of errors) {
      const within = other.instancePath === error.instancePath || other.instancePath.startsWith(`${error.instancePath}/`);
      if (other === error || !within || !other.schemaPath.startsWith(`${base}${error.keyword}/`)) continue;
      if (keep !== undefined && other.schemaPath.startsWith(`${base}${error.keyword}/${keep}/`)) continue;
      dropped.add(other);
    }
    if (keep !== undefined) dropped.add(error);
    else summaries.add(error);
  }

  const problems: PathProblem[] = [];
  for (const error of errors) {
    if (dropped.has(error)) continue;
    const problem = summaries.has(error)
      ? { path: pointerToPath(error.instancePath, context.data), at: 'value' as const, message: alternativesMessage(error) }
      : describeError(error, context);
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

function describeError(error: ErrorObject, context: SchemaProblemContext): PathProblem | undefined {
  const path = pointerToPath(error.instancePath, context.data);
  const special = context.describe?.(error, path);
  if (special !== undefined) return special;
  const owner = context.ownerAt?.(path);
  const value = error.data;

  switch (error.keyword) {
    case 'if':
    case 'propertyNames':
    case 'allOf':
    case '$ref':
      // wrappers: the errors of the subschema say what is wrong
      return undefined;
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const known = propertyNames(error.parentSchema);
      const what = owner !== undefined ? `unknown option "${key}" for ${owner}` : `unknown key "${key}"`;
      const suggestion = didYouMean(key, known);
      const message = suggestion !== undefined
        ? `${what} (did you mean "${suggestion}"?)`
        : `${what}; expected one of: ${known.join(', ')}`;
      return { path: [...path, key], at: 'key', message };
    }
    case 'required': {
      const key = String(error.params.missingProperty);
      const what = owner !== undefined ? `missing required option "${key}" for ${owner}` : `missing required key "${key}"`;
      return { path: [...path, key], at: 'key', message: what };
    }
    case 'type': {
      // ajv's number types refuse YAML's .inf and .nan
      if (typeof value === 'number' && !Number.isFinite(value)) return { path, at: 'value', message: `expected a finite number, got ${String(value)}` };
      const expected = String(error.params.type).split(',').join(' or ');
      const quoteHint = expected.includes('string') && (typeof value === 'number' || typeof value === 'boolean') ? ` (quote it to make it a string: "${String(value)}")` : '';
      return { path, at: 'value', message: `expected ${expected}, got ${describeValue(value)}${quoteHint}` };
    }
    case 'enum': {
      const options = (error.params.allowedValues as unknown[]).map((option) => JSON.stringify(option));
      const suggestion = typeof value === 'string' ? didYouMeanSuffix(value, (error.params.allowedValues as unknown[]).filter((option): option is string => typeof option === 'string')) : '';
      return { path, at: 'value', message: `expected one of ${options.join(', ')}, got ${preview(value)}${suggestion}` };
    }
    case 'const':
      return { path, at: 'value', message: `expected ${preview(error.params.allowedValue)}, got ${preview(value)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, at: 'value', message: limitMessage(error) };
    case 'multipleOf':
      return { path, at: 'value', message: `expected a multiple of ${String(error.params.multipleOf)}, got ${preview(value)}` };
    case 'minLength':
      return {
        path,
        at: 'value',
        message: error.params.limit === 1 ? `expected a non-empty string, got ${preview(value)}` : `expected a string of at least ${String(error.params.limit)} characters, got ${preview(value)}`,
      };
    case 'maxLength':
      return { path, at: 'value', message: `expected a string of at most ${String(error.params.limit)} characters, got ${preview(value)}` };
    case 'pattern': {
      if (error.propertyName !== undefined) {
        const hint = (error.parentSchema as JsonSchema | undefined)?.description;
        const expected = typeof hint === 'string' ? hint : `a key matching ${String(error.params.pattern)}`;
        return { path: [...path, error.propertyName], at: 'key', message: `invalid key "${error.propertyName}": expected ${expected}` };
      }
      return { path, at: 'value', message: `expected a string matching ${String(error.params.pattern)}, got ${preview(value)}` };
    }
    case 'format':
      return { path, at: 'value', message: `expected a ${String(error.params.format)}, got ${preview(value)}` };
    case 'minItems':
      return { path, at: 'value', message: `expected at least ${String(error.params.limit)} item${error.params.limit === 1 ? '' : 's'}, got ${Array.isArray(value) ? (value.length === 0 ? 'an empty list' : value.length) : preview(value)}` };
    case 'maxItems':
      return { path, at: 'value', message: `expected at most ${String(error.params.limit)} items, got ${Array.isArray(value) ? value.length : preview(value)}` };
    case 'uniqueItems': {
      const index = Number(error.params.i);
      const duplicate = Array.isArray(value) ? value[index] : undefined;
      return { path: [...path, index], at: 'value', message: `${preview(duplicate)} appears twice (items ${String(error.params.j)} and ${index})` };
    }
    case 'minProperties':
      return { path, at: 'value', message: `expected at least ${String(error.params.limit)} entr${error.params.limit === 1 ? 'y' : 'ies'}, got none` };
    case 'maxProperties':
      return { path, at: 'value', message: `expected at most ${String(error.params.limit)} entries` };
    case 'discriminator':
      return discriminatorProblem(error, path);
    case BYTE_SIZE_KEYWORD:
      return { path, at: 'value', message: error.message ?? `invalid size ${preview(value)}` };
    default:
      return { path, at: 'value', message: `${error.message ?? `fails ${error.keyword}`}, got ${preview(value)}` };
  }
}

/** The tag values a discriminated oneOf accepts (`lines`, `json`, `csv`...). */
function tagValues(alternatives: unknown, tag: string): string[] {
  if (!Array.isArray(alternatives)) return [];
  return alternatives.flatMap((alternative) => {
    const property = ((alternative as JsonSchema).properties as Record<string, JsonSchema> | undefined)?.[tag];
    if (property === undefined) return [];
    if ('const' in property) return [String(property.const)];
    return Array.isArray(property.enum) ? property.enum.map(String) : [];
  });
}

function discriminatorProblem(error: ErrorObject, path: (string | number)[]): PathProblem | undefined {
  const tag = String(error.params.tag);
  const value: unknown = error.params.tagValue;
  // a missing tag is also a `required` error, reported there
  if (value === undefined) return undefined;
  const known = tagValues((error.parentSchema as JsonSchema | undefined)?.oneOf, tag);
  const expected = `expected one of: ${known.join(', ')}`;
  if (typeof value !== 'string') return { path: [...path, tag], at: 'value', message: `${expected}, got ${describeValue(value)}` };
  return { path: [...path, tag], at: 'value', message: `unknown ${tag} "${value}"${didYouMeanSuffix(value, known)}; ${expected}` };
}
