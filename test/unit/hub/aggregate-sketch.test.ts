import { describe, expect, it } from 'vitest';
import { MAX_BINS, QuantileSketch, RELATIVE_ACCURACY } from '../../../hub/aggregate/sketch.js';
// Deterministic pseudo-random numbers, so a failure reproduces.
import { random } from './aggregate-harness.js';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const distributions: Record<string, (next: () => number) => number> = {
  'uniform 20..30 (temperatures)': (next) => 20 + 10 * next(),
  'exponential (latencies)': (next) => -Math.log(1 - next()) * 50,
  'signed, across zero': (next) => (next() - 0.5) * 200,
  'log-uniform over 9 decades': (next) => 10 ** (next() * 9 - 3),
  'with exact zeros': (next) => (next() < 0.3 ? 0 : next() * 5),
};

describe('QuantileSketch', () => {
  for (const [name, draw] of Object.entries(distributions)) {
    it(`keeps every percentile within ${RELATIVE_ACCURACY * 100} % of the exact one: ${name}`, () => {
      const next = random(name.length * 7919);
      const values = Array.from({ length: 20_000 }, () => draw(next));
      const sketch = new QuantileSketch();
      for (const v of values) sketch.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      expect(sketch.count).toBe(values.length);
      for (const q of [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1]) {
        const exact = exactQuantile(sorted, q);
        const estimate = sketch.quantile(q)!;
        expect(Math.abs(estimate - exact), `q=${q} exact=${exact} estimate=${estimate}`).toBeLessThanOrEqual(RELATIVE_ACCURACY * Math.abs(exact) + 1e-12);
      }
    });
  }

  it('is empty until a value is added', () => {
    expect(new QuantileSketch().quantile(0.5)).toBeUndefined();
  });

  it('merges: two halves give the same percentiles as one sketch of everything', () => {
    const next = random(42);
    const whole = new QuantileSketch();
    const left = new QuantileSketch();
    const right = new QuantileSketch();
    for (let i = 0; i < 5000; i++) {
      const v = (next() - 0.2) * 1000;
      whole.add(v);
      (i % 2 === 0 ? left : right).add(v);
    }
    left.merge(right);
    for (const q of [0.05, 0.5, 0.95]) expect(left.quantile(q)).toBe(whole.quantile(q));
  });

  it('round-trips through its blob and refuses a damaged one', () => {
    const sketch = new QuantileSketch();
    for (const v of [-3, 0, 1.5, 22, 22.1, 1e6]) sketch.add(v);
    const copy = QuantileSketch.fromBytes(sketch.toBytes());
    for (const q of [0, 0.2, 0.5, 0.8, 1]) expect(copy.quantile(q)).toBe(sketch.quantile(q));
    expect(() => QuantileSketch.fromBytes(sketch.toBytes().subarray(0, 40))).toThrow(expect.objectContaining({ code: 'ERR_AGGREGATE_BAD_SKETCH' }));
  });

  it('keeps its memory bounded: values spanning 1e-9..1e300 stay within MAX_BINS bins per sign', () => {
    const sketch = new QuantileSketch();
    const values: number[] = [];
    for (let e = -9; e <= 300; e += 0.05) values.push(10 ** e);
    for (const v of values) sketch.add(v);
    expect(sketch.toBytes().length).toBeLessThanOrEqual(8 * (6 + MAX_BINS));
    // The top 17 decades keep their accuracy: the lowest bins are the ones collapsed.
    for (const q of [0.95, 0.99, 1]) {
      const exact = exactQuantile(values, q);
      expect(Math.abs(sketch.quantile(q)! - exact)).toBeLessThanOrEqual(RELATIVE_ACCURACY * exact);
    }
  });
});
