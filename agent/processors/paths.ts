import { TributaryError } from '../../core/errors.js';
import type { DataRecord, JsonValue } from '../../core/record.js';
import type { Node } from '../expr/ast.js';
import { ExpressionError } from '../expr/errors.js';
import { parseExpression } from '../expr/parser.js';
import { field } from '../expr/values.js';

/** A record field a processor reads or writes: `key`, `ts`, `attrs.<name>`, `value` or `value.<a>.<b>...`. */
export type FieldPath =
  | { root: 'key' }
  | { root: 'ts' }
  | { root: 'attrs'; name: string }
  | { root: 'value'; fields: string[] };

type JsonObject = { [field: string]: JsonValue };
type Draft = { -readonly [K in keyof DataRecord]: DataRecord[K] };

const HOW = 'write value.name (value.a.b, value["odd key"]), attrs.name, key or ts';

/** Parses a field path (the expression syntax for fields); throws TributaryError ERR_PROCESSOR_PATH. */
export function parseFieldPath(text: string): FieldPath {
  let node: Node;
  try {
    node = parseExpression(text);
  } catch (error) {
    const reason = error instanceof ExpressionError ? error.message : String(error);
    throw new TributaryError('ERR_PROCESSOR_PATH', `"${text}" is not a field path: ${reason}; ${HOW}`, { cause: error });
  }
  const fields: string[] = [];
  while (node.kind === 'member') {
    const property = node.property;
    if (property.kind !== 'literal' || typeof property.value !== 'string') {
      throw new TributaryError('ERR_PROCESSOR_PATH', `"${text}" is not a field path: only object fields can be named, not array elements or computed names; ${HOW}`);
    }
    fields.unshift(property.value);
    node = node.object;
  }
  if (node.kind !== 'root') throw new TributaryError('ERR_PROCESSOR_PATH', `"${text}" is not a field path; ${HOW}`);
  if (node.name === 'value') return { root: 'value', fields };
  if (node.name === 'attrs') {
    if (fields.length !== 1) throw new TributaryError('ERR_PROCESSOR_PATH', `"${text}": attributes are flat, name one: attrs.name`);
    return { root: 'attrs', name: fields[0]! };
  }
  if (fields.length > 0) throw new TributaryError('ERR_PROCESSOR_PATH', `"${text}": ${node.name} has no fields; ${HOW}`);
  return { root: node.name };
}

/** The problem with a path for a config check, or undefined; `valueOnly` insists on `value...`. */
export function fieldPathProblem(text: string, valueOnly = false): string | undefined {
  try {
    const path = parseFieldPath(text);
    if (valueOnly && path.root !== 'value') return `"${text}" must be a path into the value, e.g. value.temperature`;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Reads a field; null when it is missing (own fields only, as in expressions). */
export function readField(record: DataRecord, path: FieldPath): JsonValue {
  switch (path.root) {
    case 'key':
      return record.key;
    case 'ts':
      return record.ts;
    case 'attrs':
      return Object.hasOwn(record.attrs, path.name) ? (record.attrs[path.name] ?? null) : null;
    case 'value': {
      let current: JsonValue = record.value === undefined ? null : record.value;
      for (const name of path.fields) current = field(current, name);
      return current;
    }
  }
}

/** Writes `text` back as a path, for messages. */
export function formatFieldPath(path: FieldPath): string {
  switch (path.root) {
    case 'key':
    case 'ts':
      return path.root;
    case 'attrs':
      return `attrs${segment(path.name)}`;
    case 'value':
      return `value${path.fields.map(segment).join('')}`;
  }
}

function segment(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/**
 * Copy-on-write edits of one record. The input record is never mutated: the record, its attrs and each
 * object on a written path are copied once per record, however many fields are written. Reusable:
 * `begin` starts the next record.
 */
export class RecordDraft {
  private readonly copies = new Set<object>();
  private draft: Draft = { key: '', ts: 0, value: null, attrs: {}, valueJson: undefined };
  private original: DataRecord | undefined;
  private attrsCopied = false;

  /** Starts editing a shallow copy of `record`. */
  begin(record: DataRecord): void {
    this.copies.clear();
    this.attrsCopied = false;
    this.original = record;
    this.draft = { key: record.key, ts: record.ts, value: record.value === undefined ? null : record.value, attrs: record.attrs, valueJson: undefined };
  }

  /** The edited record, a new object; later edits start with `begin`. */
  finish(): DataRecord {
    this.copies.clear();
    // Copy-on-write: the same value object means an unchanged value, so its JSON text still holds.
    if (this.draft.value === this.original?.value) this.draft.valueJson = this.original.valueJson;
    return this.draft;
  }

  /** Sets a field; throws ERR_PROCESSOR_TYPE when the value does not fit (a null key, a string ts, a field under a number). */
  set(path: FieldPath, value: JsonValue): void {
    switch (path.root) {
      case 'key':
        if (typeof value === 'string' && value !== '') this.draft.key = value;
        else if (typeof value === 'number' || typeof value === 'boolean') this.draft.key = String(value);
        else throw new TributaryError('ERR_PROCESSOR_TYPE', `key must be a non-empty string or a number, got ${describe(value)}`);
        return;
      case 'ts':
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new TributaryError('ERR_PROCESSOR_TYPE', `ts must be a number (epoch milliseconds), got ${describe(value)}`);
        }
        this.draft.ts = value;
        return;
      case 'attrs':
        // Attributes are strings: null removes one, other values are written as JSON text.
        if (value === null) this.removeAttr(path.name);
        else assign(this.writableAttrs(), path.name, typeof value === 'string' ? value : JSON.stringify(value));
        return;
      case 'value':
        this.setValue(path.fields, value);
        return;
    }
  }

  /** Removes a field (nothing happens when it is not there). `key` and `ts` cannot be removed. */
  remove(path: FieldPath): void {
    switch (path.root) {
      case 'key':
      case 'ts':
        throw new TributaryError('ERR_PROCESSOR_PATH', `${path.root} cannot be removed; set it instead`);
      case 'attrs':
        this.removeAttr(path.name);
        return;
      case 'value':
        this.removeValue(path.fields);
        return;
    }
  }

  private setValue(fields: string[], value: JsonValue): void {
    if (fields.length === 0) {
      this.draft.value = value;
      return;
    }
    let container = this.writableObject(this.draft.value, fields, 0);
    this.draft.value = container;
    for (let i = 0; i < fields.length - 1; i++) {
      const name = fields[i]!;
      const child = this.writableObject(Object.hasOwn(container, name) ? container[name] : null, fields, i + 1);
      assign(container, name, child);
      container = child;
    }
    assign(container, fields[fields.length - 1]!, value);
  }

  private removeValue(fields: string[]): void {
    if (fields.length === 0) throw new TributaryError('ERR_PROCESSOR_PATH', 'the value cannot be removed; set it to null instead');
    // Copy nothing unless the field is really there.
    let probe: JsonValue = this.draft.value;
    for (const name of fields) {
      if (!isObject(probe) || !Object.hasOwn(probe, name)) return;
      probe = probe[name]!;
    }
    let container = this.writable(this.draft.value as JsonObject);
    this.draft.value = container;
    for (let i = 0; i < fields.length - 1; i++) {
      const child = this.writable(container[fields[i]!] as JsonObject);
      assign(container, fields[i]!, child);
      container = child;
    }
    delete container[fields[fields.length - 1]!];
  }

  /** An object this draft may mutate at `fields[0..depth)`: a copy of `current`, or a new one where nothing is. */
  private writableObject(current: JsonValue | undefined, fields: string[], depth: number): JsonObject {
    if (current === null || current === undefined) {
      const created: JsonObject = {};
      this.copies.add(created);
      return created;
    }
    if (!isObject(current)) {
      const where = formatFieldPath({ root: 'value', fields: fields.slice(0, depth) });
      throw new TributaryError(
        'ERR_PROCESSOR_TYPE',
        `cannot set ${formatFieldPath({ root: 'value', fields })}: ${where} is ${describeType(current)}, not an object`,
      );
    }
    return this.writable(current);
  }

  private writable(object: JsonObject): JsonObject {
    if (this.copies.has(object)) return object;
    const copy = { ...object };
    this.copies.add(copy);
    return copy;
  }

  private writableAttrs(): Record<string, string> {
    if (!this.attrsCopied) {
      this.draft.attrs = { ...this.draft.attrs };
      this.attrsCopied = true;
    }
    return this.draft.attrs;
  }

  private removeAttr(name: string): void {
    if (Object.hasOwn(this.draft.attrs, name)) delete this.writableAttrs()[name];
  }
}

/** A plain JSON object (not an array, not null). */
export function isObject(value: JsonValue | undefined): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Defines a field as own data, so a field named `__proto__` stays data and never swaps the prototype. */
function assign(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
  else target[name] = value;
}

function describeType(value: JsonValue): string {
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function describe(value: JsonValue): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
