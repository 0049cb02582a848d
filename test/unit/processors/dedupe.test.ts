import { describe, expect, it } from 'vitest';
import { createDedupe, dedupeSpec, type DedupeConfig } from '../../../agent/processors/dedupe.js';
import type { JsonValue } from '../../../core/record.js';
import { counts, rec, runOne, testContext } from './harness.js';

const config = (options: Partial<DedupeConfig>): DedupeConfig => ({ type: 'dedupe', inputs: ['src'], window_ms: 1000, max_entries: 10000, ...options });

describe('dedupe', () => {
  it('drops the same key and value within the window, by the injected clock', () => {
    let now = 0;
    const context = testContext();
    const dedupe = createDedupe(config({ window_ms: 1000 }), context, () => now);
    const pass = (value: JsonValue, key = 'a'): boolean => runOne(dedupe, rec(value, { key })).length === 1;

    expect(pass({ t: 1 })).toBe(true);
    now = 500;
    expect(pass({ t: 1 })).toBe(false); // duplicate
    expect(pass({ t: 2 })).toBe(true); // other value
    expect(pass({ t: 1 }, 'b')).toBe(true); // other key
    now = 999;
    expect(pass({ t: 1 })).toBe(false); // still inside the window of the first
    now = 1000;
    expect(pass({ t: 1 })).toBe(true); // window over: passes and starts a new window
    now = 1500;
    expect(pass({ t: 1 })).toBe(false);

    expect(counts(context.metrics)).toEqual({ in: 7, out: 4, dropped: 3 });
    expect(context.metrics.get('tributary_processor_dropped_total', { processor: 'p1', reason: 'duplicate' })).toBe(3);
  });

  it('a value repeated forever passes once per window (duplicates do not extend it)', () => {
    let now = 0;
    const dedupe = createDedupe(config({ window_ms: 1000 }), testContext(), () => now);
    let passed = 0;
    for (now = 0; now < 5000; now += 100) passed += runOne(dedupe, rec({ same: true })).length;
    expect(passed).toBe(5);
  });

  it('compares only the given fields', () => {
    const dedupe = createDedupe(config({ fields: ['value.seq', 'attrs.gw'] }), testContext(), () => 0);
    const pass = (seq: number, temp: number, gw = 'g1'): boolean => runOne(dedupe, rec({ seq, temp }, { attrs: { gw } })).length === 1;
    expect(pass(1, 20)).toBe(true);
    expect(pass(1, 25)).toBe(false); // same seq, other temp: still a duplicate
    expect(pass(2, 20)).toBe(true);
    expect(pass(1, 20, 'g2')).toBe(true);
  });

  it('lets a record pass when the clock stepped back', () => {
    let now = 10_000;
    const dedupe = createDedupe(config({}), testContext(), () => now);
    runOne(dedupe, rec({ a: 1 }));
    now = 2_000;
    expect(runOne(dedupe, rec({ a: 1 }))).toHaveLength(1);
  });

  it('remembers at most max_entries records, forgetting expired ones first', () => {
    let now = 0;
    const context = testContext();
    const dedupe = createDedupe(config({ window_ms: 1000, max_entries: 3 }), context, () => now);
    const pass = (n: number): boolean => runOne(dedupe, rec({ n })).length === 1;
    expect([pass(1), pass(2), pass(3)]).toEqual([true, true, true]);
    expect(pass(4)).toBe(true); // full: evicts the oldest live entry (1)
    expect(context.metrics.get('tributary_processor_state_evicted_total', { processor: 'p1' })).toBe(1);
    expect(pass(1)).toBe(true); // forgotten early, so its repeat passes (and evicts 2)
    expect([pass(3), pass(4)]).toEqual([false, false]);
    now = 2000;
    // all expired: dropped from the front without counting evictions
    expect([pass(5), pass(6), pass(7)]).toEqual([true, true, true]);
    expect(context.metrics.get('tributary_processor_state_evicted_total', { processor: 'p1' })).toBe(2);
  });

  it('check reports bad field paths', () => {
    expect(dedupeSpec.check!(config({ fields: ['value.ok', 'value.'] })).map((p) => p.path)).toEqual([['fields', 1]]);
  });
});

describe('dedupe with large values', () => {
  it('tells large values apart (remembered by digest)', () => {
    const dedupe = createDedupe(config({}), testContext(), () => 0);
    const big = (n: number): JsonValue => ({ blob: 'x'.repeat(500), n });
    expect(runOne(dedupe, rec(big(1)))).toHaveLength(1);
    expect(runOne(dedupe, rec(big(1)))).toHaveLength(0);
    expect(runOne(dedupe, rec(big(2)))).toHaveLength(1);
  });
});
