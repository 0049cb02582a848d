import type { JsonValue } from '../../core/record.js';
import type { RecordFieldOptions } from './config.js';
import type { ParseResult } from './parser.js';

/** Looks a field up by its exact name first, then as a dotted path into nested objects. */
export function lookupField(value: { [field: string]: JsonValue }, field: string): JsonValue | undefined {
  if (Object.hasOwn(value, field)) return value[field];
  if (!field.includes('.')) return undefined;
  let current: JsonValue | undefined = value;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/** Reads an event time given as epoch milliseconds or an ISO 8601 string; undefined when unreadable. */
export function readEventTime(raw: JsonValue): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'string') {
    // Date.parse accepts too much ("1", "March 7"); insist on an ISO-looking date first.
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) return undefined;
      // Hundreds of digits make Infinity: stored as null, it would make its whole batch undecodable (and refused by the hub).
      const ms = Number(raw);
      return Number.isFinite(ms) ? ms : undefined;
    }
    const ms = Date.parse(raw);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * Applies `key_field` / `ts_field` to a parsed object. A missing field leaves the source's choice;
 * a field of the wrong kind makes the frame bad, since a record filed under a wrong key or time is worse.
 */
export function applyRecordFields(value: JsonValue, options: RecordFieldOptions, base: Omit<Extract<ParseResult, { ok: true }>, 'ok' | 'value'> = {}): ParseResult {
  const result: Extract<ParseResult, { ok: true }> = { ok: true, value, ...base };
  if (options.key_field === undefined && options.ts_field === undefined) return result;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return result;
  if (options.key_field !== undefined) {
    const key = lookupField(value, options.key_field);
    if (typeof key === 'string' && key !== '') result.key = key;
    else if (typeof key === 'number' || typeof key === 'boolean') result.key = String(key);
    else if (key !== undefined && key !== null && key !== '') {
      return { ok: false, reason: `key_field "${options.key_field}": expected a string or number, got ${describe(key)}` };
    }
  }
  if (options.ts_field !== undefined) {
    const raw = lookupField(value, options.ts_field);
    if (raw !== undefined && raw !== null && raw !== '') {
      const ts = readEventTime(raw);
      if (ts === undefined) {
        return { ok: false, reason: `ts_field "${options.ts_field}": expected epoch milliseconds or an ISO 8601 time, got ${describe(raw)}` };
      }
      result.ts = ts;
    }
  }
  return result;
}

function describe(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
