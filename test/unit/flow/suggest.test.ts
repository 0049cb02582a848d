import { describe, expect, test } from 'vitest';
import { didYouMean, editDistance } from '../../../agent/flow/suggest.js';

describe('editDistance', () => {
  test('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('baud_rate', 'baud_rate')).toBe(0);
    expect(editDistance('baud_rat', 'baud_rate')).toBe(1);
    expect(editDistance('baud_rates', 'baud_rate')).toBe(1);
    expect(editDistance('baud_rame', 'baud_rate')).toBe(1);
    expect(editDistance('buad_rate', 'baud_rate')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('didYouMean', () => {
  const serialOptions = ['path', 'baud_rate', 'data_bits', 'parity', 'stop_bits', 'framing', 'parser', 'stall_timeout_ms', 'reopen_delay_ms'];

  test('suggests close names, names differing only in case or separators, and the one name a word starts', () => {
    expect(didYouMean('baudrate', serialOptions)).toBe('baud_rate');
    expect(didYouMean('BaudRate', serialOptions)).toBe('baud_rate');
    expect(didYouMean('baud-rate', serialOptions)).toBe('baud_rate');
    expect(didYouMean('framming', serialOptions)).toBe('framing');
    expect(didYouMean('paht', serialOptions)).toBe('path');
    expect(didYouMean('baud', serialOptions)).toBe('baud_rate');
    expect(didYouMean('stall_timeout', serialOptions)).toBe('stall_timeout_ms');
  });

  test('stays quiet when nothing is close or the word is ambiguous', () => {
    expect(didYouMean('colour', serialOptions)).toBeUndefined();
    expect(didYouMean('speed', serialOptions)).toBeUndefined();
    expect(didYouMean('x', serialOptions)).toBeUndefined();
    expect(didYouMean('pa', serialOptions)).toBeUndefined();
    expect(didYouMean('anything', [])).toBeUndefined();
  });

  test('never suggests the word itself', () => {
    expect(didYouMean('path', ['path'])).toBeUndefined();
  });
});
