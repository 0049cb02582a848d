import { describe, expect, it } from 'vitest';
import { filterSpec, type FilterConfig } from '../../../agent/processors/filter.js';
import { ExpressionError } from '../../../agent/expr/errors.js';
import { counts, frozen, rec, runAll, runOne, testContext } from './harness.js';

const config = (condition: string): FilterConfig => ({ type: 'filter', inputs: ['src'], condition });

describe('filter', () => {
  it('keeps records whose condition is true and counts the rest as filtered', () => {
    const context = testContext();
    const filter = filterSpec.create(config('value.temp > 30 && attrs.site == "gh1"'), context);
    const records = [
      rec({ temp: 31 }, { attrs: { site: 'gh1' } }),
      rec({ temp: 29 }, { attrs: { site: 'gh1' } }),
      rec({ temp: 35 }, { attrs: { site: 'gh2' } }),
      rec({ other: 1 }, { attrs: { site: 'gh1' } }),
      rec({ temp: 40 }, { attrs: { site: 'gh1' } }),
    ];
    const kept = runAll(filter, records);
    expect(kept).toEqual([records[0], records[4]]);
    expect(kept[0]).toBe(records[0]); // passed through, not copied
    expect(counts(context.metrics)).toEqual({ in: 5, out: 2, dropped: 3 });
    expect(context.metrics.get('tributary_processor_dropped_total', { processor: 'p1', reason: 'filtered' })).toBe(3);
  });

  it('uses truthiness for non-boolean conditions', () => {
    const filter = filterSpec.create(config('value.alarm'), testContext());
    const out = runAll(filter, [rec({ alarm: 'smoke' }), rec({ alarm: '' }), rec({ alarm: 0 }), rec({ alarm: null }), rec({})]);
    expect(out.map((r) => r.value)).toEqual([{ alarm: 'smoke' }]);
  });

  it('throws on a runtime type error (the caller makes it a dead letter) and goes on', () => {
    const context = testContext();
    const filter = filterSpec.create(config('value.temp * 2 > 60'), context);
    expect(() => runOne(filter, frozen(rec({ temp: 'hot' })))).toThrow(ExpressionError);
    expect(runOne(filter, rec({ temp: 31 }))).toHaveLength(1);
    expect(counts(context.metrics)).toEqual({ in: 2, out: 1, dropped: 0 });
  });

  it('check reports a bad condition at its path', () => {
    expect(filterSpec.check!(config('value.temp >'))).toEqual([
      { path: ['condition'], message: 'expression "value.temp >": unexpected end of expression at column 13 (an operand is missing)' },
    ]);
    expect(filterSpec.check!(config('value.temp > 1'))).toEqual([]);
  });
});
