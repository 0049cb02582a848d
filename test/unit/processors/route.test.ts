import { describe, expect, it } from 'vitest';
import { routeSpec, type RouteConfig } from '../../../agent/processors/route.js';
import { counts, rec, runOne, testContext } from './harness.js';

const config = (routes: Record<string, string>): RouteConfig => ({ type: 'route', inputs: ['src'], routes });

describe('route', () => {
  const routes = { hot: 'value.temp > 30', humid: 'value.humidity >= 80', gh1: 'attrs.site == "gh1"' };

  it('lists its outputs: the route names and _unmatched', () => {
    expect(routeSpec.outputs!(config(routes))).toEqual(['hot', 'humid', 'gh1', '_unmatched']);
  });

  it('emits to every matching route, in declaration order', () => {
    const route = routeSpec.create(config(routes), testContext());
    const input = rec({ temp: 35, humidity: 85 }, { attrs: { site: 'gh1' } });
    const out = runOne(route, input);
    expect(out.map((e) => e.output)).toEqual(['hot', 'humid', 'gh1']);
    for (const e of out) expect(e.record).toBe(input);
    expect(runOne(route, rec({ temp: 10, humidity: 90 })).map((e) => e.output)).toEqual(['humid']);
  });

  it('sends records no route matched to _unmatched', () => {
    const context = testContext();
    const route = routeSpec.create(config(routes), context);
    const out = runOne(route, rec({ temp: 10, humidity: 10 }));
    expect(out.map((e) => e.output)).toEqual(['_unmatched']);
    runOne(route, rec({ temp: 35, humidity: 85 }, { attrs: { site: 'gh1' } }));
    expect(counts(context.metrics)).toEqual({ in: 2, out: 4, dropped: 0 });
  });

  it('emits nothing when a condition fails: the whole record goes to the dead letters', () => {
    const route = routeSpec.create(config({ first: 'true', broken: 'value.temp * 2 > 1' }), testContext());
    const emitted: unknown[] = [];
    expect(() => route.process(rec({ temp: 'x' }), (r) => emitted.push(r))).toThrow(/"\*" needs two numbers/);
    expect(emitted).toEqual([]);
  });

  it('check reports bad conditions and names per route', () => {
    const problems = routeSpec.check!(config({ ok: 'true', bad: 'value.x >', 'has.dot': 'true' }));
    expect(problems.map((p) => p.path)).toEqual([
      ['routes', 'bad'],
      ['routes', 'has.dot'],
    ]);
    expect(problems[1]!.message).toMatch(/letters, digits/);
  });
});
