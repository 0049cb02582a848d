import { describe, expect, it } from 'vitest';
import { createThrottle, throttleSpec, type ThrottleConfig } from '../../../agent/processors/throttle.js';
import { counts, rec, runOne, testContext } from './harness.js';

const config = (options: Partial<ThrottleConfig>): ThrottleConfig => ({ type: 'throttle', inputs: ['src'], rate_per_sec: 1, max_keys: 10000, ...options });

describe('throttle', () => {
  it('passes a burst, then the sustained rate, per key (token bucket, injected clock)', () => {
    let now = 0;
    const context = testContext();
    const throttle = createThrottle(config({ rate_per_sec: 2, burst: 3 }), context, () => now);
    const pass = (key = 'a'): boolean => runOne(throttle, rec({}, { key })).length === 1;

    expect([pass(), pass(), pass(), pass()]).toEqual([true, true, true, false]);
    now = 499; // 0.998 tokens: not yet
    expect(pass()).toBe(false);
    now = 500; // one token per 500 ms
    expect([pass(), pass()]).toEqual([true, false]);
    expect(pass('b')).toBe(true); // another key has its own bucket
    now = 10_000; // a long pause refills to the burst, not beyond
    expect([pass(), pass(), pass(), pass()]).toEqual([true, true, true, false]);

    expect(counts(context.metrics)).toEqual({ in: 12, out: 8, dropped: 4 });
    expect(context.metrics.get('tributary_processor_dropped_total', { processor: 'p1', reason: 'throttled' })).toBe(4);
  });

  it('defaults the burst to one second of the rate', () => {
    const throttle = createThrottle(config({ rate_per_sec: 5 }), testContext(), () => 0);
    const passed = Array.from({ length: 8 }, () => runOne(throttle, rec({})).length).reduce((a, b) => a + b, 0);
    expect(passed).toBe(5);
    const slow = createThrottle(config({ rate_per_sec: 0.1 }), testContext(), () => 0);
    expect([runOne(slow, rec({})).length, runOne(slow, rec({})).length]).toEqual([1, 0]);
  });

  it('groups by key_field when given', () => {
    const throttle = createThrottle(config({ burst: 1, key_field: 'attrs.site' }), testContext(), () => 0);
    const out = ['d1', 'd2', 'd3'].map((key) => runOne(throttle, rec({}, { key, attrs: { site: 'gh1' } })).length);
    expect(out).toEqual([1, 0, 0]);
    expect(runOne(throttle, rec({}, { key: 'd1', attrs: { site: 'gh2' } }))).toHaveLength(1);
  });

  it('does not take tokens away when the clock steps back', () => {
    let now = 10_000;
    const throttle = createThrottle(config({ burst: 1 }), testContext(), () => now);
    expect(runOne(throttle, rec({}))).toHaveLength(1);
    now = 5_000;
    expect(runOne(throttle, rec({}))).toHaveLength(0);
    now = 11_000;
    expect(runOne(throttle, rec({}))).toHaveLength(1);
  });

  it('keeps at most max_keys buckets and counts evictions', () => {
    const context = testContext();
    const throttle = createThrottle(config({ burst: 1, max_keys: 2 }), context, () => 0);
    for (const key of ['a', 'b', 'c']) runOne(throttle, rec({}, { key }));
    expect(context.metrics.get('tributary_processor_state_evicted_total', { processor: 'p1' })).toBe(1);
    expect(runOne(throttle, rec({}, { key: 'a' }))).toHaveLength(1); // forgotten: a fresh bucket
    expect(runOne(throttle, rec({}, { key: 'c' }))).toHaveLength(0);
  });

  it('check compiles key_field', () => {
    expect(throttleSpec.check!(config({ key_field: 'attrs.' }))[0]!.path).toEqual(['key_field']);
    expect(throttleSpec.check!(config({}))).toEqual([]);
  });
});
