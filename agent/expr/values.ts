import type { JsonValue } from '../../core/record.js';

/** false, null, 0 and "" are false; everything else (including [] and {}) is true. */
export function truthy(value: JsonValue): boolean {
  return value !== null && value !== false && value !== 0 && value !== '';
}

/** Structural equality of JSON values; no type coercion (1 != "1"). */
export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEquals(a[i]!, b[i]!)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !jsonEquals(a[k]!, b[k]!)) return false;
  return true;
}

/** The JSON type name of a value, for error messages. */
export function typeName(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

/**
 * Reads a field or element, never throwing: own properties of plain JSON objects only (so `__proto__`,
 * `constructor` or `toString` read as null), integer indexes of arrays (negative counts from the end).
 */
export function member(target: JsonValue, property: JsonValue): JsonValue {
  if (target === null || typeof target !== 'object') return null;
  if (Array.isArray(target)) {
    if (typeof property !== 'number' || !Number.isInteger(property)) return null;
    const item = target[property < 0 ? target.length + property : property];
    return item === undefined ? null : item;
  }
  if (typeof property !== 'string' || !Object.hasOwn(target, property)) return null;
  const item = target[property];
  return item === undefined ? null : item;
}

/** Reads a field of a plain object by a name known at compile time (the hot path of `value.temp`). */
export function field(target: JsonValue, name: string): JsonValue {
  if (target === null || typeof target !== 'object' || Array.isArray(target) || !Object.hasOwn(target, name)) return null;
  const item = (target as Record<string, JsonValue>)[name];
  return item === undefined ? null : item;
}

/** Whether a field or element is present (even when its value is null). */
export function hasMember(target: JsonValue, property: JsonValue): boolean {
  if (target === null || typeof target !== 'object') return false;
  if (Array.isArray(target)) {
    if (typeof property !== 'number' || !Number.isInteger(property)) return false;
    const index = property < 0 ? target.length + property : property;
    return index >= 0 && index < target.length;
  }
  return typeof property === 'string' && Object.hasOwn(target, property);
}

/** A short preview of a value for error messages. */
export function preview(value: JsonValue): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
