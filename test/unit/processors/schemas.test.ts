import ajvModule from 'ajv';
import { describe, expect, it } from 'vitest';
import { processorSpecs } from '../../../agent/processors/registry.js';

const Ajv = ajvModule.default;

/** The same strictness as the flow validator, so a schema that passes here compiles there. */
function compile(schema: object) {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false, allowUnionTypes: true });
  return ajv.compile(schema);
}

const examples: Record<string, Record<string, unknown>> = {
  filter: { condition: 'value.temp > 30' },
  map: { set: { 'value.f': 'value.c * 9 / 5 + 32' } },
  enrich: { attrs: { site: 'gh1' } },
  route: { routes: { hot: 'value.temp > 30' } },
  throttle: { rate_per_sec: 10 },
  sample: { every: 10 },
  dedupe: { window_ms: 60000 },
  unit: { field: 'value.t', from: 'fahrenheit', to: 'celsius' },
};

/** Collects every property schema (nested) so each can be checked for a description. */
function properties(schema: Record<string, unknown>, path = ''): [string, Record<string, unknown>][] {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props).flatMap(([name, sub]) => [[`${path}${name}`, sub] as [string, Record<string, unknown>], ...properties(sub, `${path}${name}.`)]);
}

describe('processor specs', () => {
  it('registers every processor by its type name', () => {
    expect(Object.keys(processorSpecs).sort()).toEqual(['dedupe', 'enrich', 'filter', 'map', 'route', 'sample', 'throttle', 'unit']);
    for (const [name, spec] of Object.entries(processorSpecs)) expect(spec.type).toBe(name);
  });

  for (const [type, spec] of Object.entries(processorSpecs)) {
    describe(type, () => {
      it('has a strict schema that accepts its example, pins type and requires inputs', () => {
        const validate = compile(spec.schema);
        const config = { type, inputs: ['src'], ...examples[type] };
        expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
        expect(validate({ ...config, type: 'other' })).toBe(false);
        const { inputs: _inputs, ...withoutInputs } = config;
        expect(validate(withoutInputs)).toBe(false);
        expect(validate({ ...config, inputs: [] })).toBe(false);
        expect(validate({ ...config, unknown_option: 1 })).toBe(false);
      });

      it('describes every option', () => {
        expect(spec.description.length).toBeGreaterThan(20);
        for (const [name, sub] of properties(spec.schema)) expect(sub.description, `${type}.${name}`).toEqual(expect.any(String));
      });

      it('its example passes its own checks', () => {
        const validate = compile(spec.schema);
        const config = { type, inputs: ['src'], ...examples[type] };
        validate(config);
        expect(spec.check?.(config as never) ?? []).toEqual([]);
      });
    });
  }

  it('applies defaults', () => {
    const map = { type: 'map', inputs: ['a'], set: { 'value.x': '1' } };
    compile(processorSpecs.map!.schema)(map);
    expect(map).toMatchObject({ remove: [] });
    const dedupe = { type: 'dedupe', inputs: ['a'], window_ms: 10 };
    compile(processorSpecs.dedupe!.schema)(dedupe);
    expect(dedupe).toMatchObject({ max_entries: 10000 });
  });

  it('rejects route names that cannot be output names and units it does not know', () => {
    expect(compile(processorSpecs.route!.schema)({ type: 'route', inputs: ['a'], routes: { 'a.b': 'true' } })).toBe(false);
    expect(compile(processorSpecs.unit!.schema)({ type: 'unit', inputs: ['a'], field: 'value.x', from: 'furlong', to: 'm' })).toBe(false);
  });
});
