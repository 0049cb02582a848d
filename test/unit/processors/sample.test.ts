import { describe, expect, it } from 'vitest';
import { createSample, sampleSpec, type SampleConfig } from '../../../agent/processors/sample.js';
import { counts, rec, runOne, testContext } from './harness.js';

const config = (options: Partial<SampleConfig>): SampleConfig => ({ type: 'sample', inputs: ['src'], max_keys: 10000, ...options });

describe('sample', () => {
  it('keeps the first of every N records of each key', () => {
    const context = testContext();
    const sample = sampleSpec.create(config({ every: 3 }), context);
    const kept = (key: string): number => runOne(sample, rec({}, { key })).length;
    expect(Array.from({ length: 7 }, () => kept('a'))).toEqual([1, 0, 0, 1, 0, 0, 1]);
    expect([kept('b'), kept('b'), kept('a')]).toEqual([1, 0, 0]);
    expect(counts(context.metrics)).toEqual({ in: 10, out: 4, dropped: 6 });
    expect(context.metrics.get('tributary_processor_dropped_total', { processor: 'p1', reason: 'sampled' })).toBe(6);
  });

  it('keeps every record with every: 1', () => {
    const sample = sampleSpec.create(config({ every: 1 }), testContext());
    expect(Array.from({ length: 4 }, () => runOne(sample, rec({})).length)).toEqual([1, 1, 1, 1]);
  });

  it('keeps records with the given probability (injected random)', () => {
    const draws = [0.1, 0.5, 0.24, 0.25, 0.99];
    const sample = createSample(config({ probability: 0.25 }), testContext(), () => draws.shift()!);
    expect(Array.from({ length: 5 }, () => runOne(sample, rec({})).length)).toEqual([1, 0, 1, 0, 0]);
  });

  it('check wants exactly one of every and probability', () => {
    expect(sampleSpec.check!(config({}))).toHaveLength(1);
    expect(sampleSpec.check!(config({ every: 2, probability: 0.5 }))).toHaveLength(1);
    expect(sampleSpec.check!(config({ every: 2 }))).toEqual([]);
    expect(sampleSpec.check!(config({ probability: 0.5 }))).toEqual([]);
  });
});
