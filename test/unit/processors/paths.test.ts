import { describe, expect, it } from 'vitest';
import { formatFieldPath, parseFieldPath, readField, RecordDraft } from '../../../agent/processors/paths.js';
import type { TributaryError } from '../../../core/errors.js';
import { frozen, rec } from './harness.js';

describe('field paths', () => {
  it.each([
    ['key', { root: 'key' }],
    ['ts', { root: 'ts' }],
    ['value', { root: 'value', fields: [] }],
    ['value.a', { root: 'value', fields: ['a'] }],
    ['value.a.b.c', { root: 'value', fields: ['a', 'b', 'c'] }],
    ['value["odd key"].x', { root: 'value', fields: ['odd key', 'x'] }],
    [' attrs.topic ', { root: 'attrs', name: 'topic' }],
    ["attrs['x-y']", { root: 'attrs', name: 'x-y' }],
  ])('parses %s', (text, expected) => {
    expect(parseFieldPath(text)).toEqual(expected);
  });

  it.each([
    ['', /expression is empty/],
    ['temp', /unknown name "temp"/],
    ['value.list[0]', /not array elements/],
    ['value[attrs.x]', /computed names/],
    ['attrs', /attributes are flat/],
    ['attrs.a.b', /attributes are flat/],
    ['key.x', /key has no fields/],
    ['value.a + 1', /is not a field path/],
  ])('refuses %s', (text, message) => {
    expect(() => parseFieldPath(text)).toThrow(message);
    try {
      parseFieldPath(text);
    } catch (error) {
      expect((error as TributaryError).code).toBe('ERR_PROCESSOR_PATH');
    }
  });

  it('formats paths back', () => {
    expect(formatFieldPath(parseFieldPath('value["odd key"].b'))).toBe('value["odd key"].b');
    expect(formatFieldPath(parseFieldPath('attrs.topic'))).toBe('attrs.topic');
  });

  it('reads fields, null when missing', () => {
    const r = rec({ a: { b: 2 }, n: null }, { attrs: { t: 'x' } });
    expect(readField(r, parseFieldPath('value.a.b'))).toBe(2);
    expect(readField(r, parseFieldPath('value.a.c'))).toBeNull();
    expect(readField(r, parseFieldPath('value.constructor'))).toBeNull();
    expect(readField(r, parseFieldPath('attrs.t'))).toBe('x');
    expect(readField(r, parseFieldPath('attrs.toString'))).toBeNull();
    expect(readField(r, parseFieldPath('key'))).toBe('dev-1');
  });
});

describe('RecordDraft', () => {
  it('copies each object on a written path once per record and never mutates the input', () => {
    const input = frozen(rec({ a: { x: 1 }, b: { y: 2 } }, { attrs: { k: 'v' } }));
    const draft = new RecordDraft();
    draft.begin(input);
    draft.set(parseFieldPath('value.a.p'), 1);
    draft.set(parseFieldPath('value.a.q'), 2);
    draft.set(parseFieldPath('attrs.n'), 'm');
    const out = draft.finish();
    expect(out.value).toEqual({ a: { x: 1, p: 1, q: 2 }, b: { y: 2 } });
    expect((out.value as { b: unknown }).b).toBe((input.value as { b: unknown }).b);
    expect(out.attrs).toEqual({ k: 'v', n: 'm' });
    expect(out.attrs).not.toBe(input.attrs);
  });

  it('keeps the value\'s JSON text only while the value is unchanged', () => {
    const input = frozen(rec({ a: 1 }, { valueJson: '{"a": 1}' }));
    const draft = new RecordDraft();
    draft.begin(input);
    draft.set(parseFieldPath('attrs.n'), 'm');
    expect(draft.finish().valueJson).toBe('{"a": 1}');
    draft.begin(input);
    draft.set(parseFieldPath('value.b'), 2);
    expect(draft.finish().valueJson).toBeUndefined();
    draft.begin(input);
    draft.remove(parseFieldPath('value.a'));
    expect(draft.finish().valueJson).toBeUndefined();
  });

  it('does not copy anything to remove a field that is not there', () => {
    const input = rec({ a: 1 });
    const draft = new RecordDraft();
    draft.begin(input);
    draft.remove(parseFieldPath('value.b.c'));
    draft.remove(parseFieldPath('attrs.none'));
    const out = draft.finish();
    expect(out.value).toBe(input.value);
    expect(out.attrs).toBe(input.attrs);
  });

  it('starts clean for the next record after a failure', () => {
    const draft = new RecordDraft();
    draft.begin(rec({ a: 5 }));
    expect(() => draft.set(parseFieldPath('value.a.b'), 1)).toThrow(/value\.a is a number/);
    const next = frozen(rec({ a: { b: 0 } }));
    draft.begin(next);
    draft.set(parseFieldPath('value.a.b'), 1);
    expect(draft.finish().value).toEqual({ a: { b: 1 } });
    expect(next.value).toEqual({ a: { b: 0 } });
  });

  it('refuses to remove key, ts or the whole value', () => {
    const draft = new RecordDraft();
    draft.begin(rec({}));
    expect(() => draft.remove(parseFieldPath('key'))).toThrow(/key cannot be removed/);
    expect(() => draft.remove(parseFieldPath('value'))).toThrow(/set it to null/);
  });
});
