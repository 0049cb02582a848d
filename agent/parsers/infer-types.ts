import type { JsonValue } from '../../core/record.js';

// JSON number syntax: keeps `007`, `+1`, `1.` and `0x1F` as strings, so ids and codes survive.
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A text cell as a number when it reads as a JSON number, null when empty, else the text itself. */
export function inferCell(text: string): JsonValue {
  if (text === '') return null;
  if (JSON_NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  return text;
}
