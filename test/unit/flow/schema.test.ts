import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { JsonSchema } from '../../../agent/component.js';
import { flowArtifacts, REGENERATE_COMMAND } from '../../../agent/flow/artifacts.js';
import { defaultRegistries } from '../../../agent/flow/registries.js';
import { buildFlowSchema } from '../../../agent/flow/schema.js';
import { flowValidator } from '../../../agent/flow/validator.js';
import { loadFlowText } from '../../../agent/flow/load.js';
import { fakeRegistries } from './fake-specs.js';

const repoRoot = new URL('../../../', import.meta.url);

describe('the flow schema', () => {
  test('flows/flow.schema.json and docs/flow-reference.md are up to date with the registered specs', () => {
    for (const artifact of flowArtifacts()) {
      let checkedIn = '';
      try {
        checkedIn = readFileSync(new URL(artifact.path, repoRoot), 'utf8');
      } catch {
        // a missing file is reported as stale below
      }
      expect(checkedIn === artifact.text, `${artifact.path} is stale: regenerate it with \`${REGENERATE_COMMAND}\``).toBe(true);
    }
  });

  test('the checked-in schema is exactly buildFlowSchema()', () => {
    const checkedIn = JSON.parse(readFileSync(new URL('flows/flow.schema.json', repoRoot), 'utf8')) as JsonSchema;
    expect(checkedIn, `regenerate with \`${REGENERATE_COMMAND}\``).toEqual(buildFlowSchema());
  });

  test('compiles in strict mode with every registered source and processor', () => {
    expect(() => flowValidator(defaultRegistries)).not.toThrow();
    const schema = buildFlowSchema();
    const defs = schema.$defs as Record<string, JsonSchema>;
    for (const type of Object.keys(defaultRegistries.sourceSpecs)) expect(defs[`source.${type}`]).toBeDefined();
    for (const type of Object.keys(defaultRegistries.processorSpecs)) expect(defs[`processor.${type}`]).toBeDefined();
  });

  test('every option of every registered component has a description (editors show it on hover)', () => {
    const undocumented: string[] = [];
    for (const [name, def] of Object.entries(buildFlowSchema().$defs as Record<string, JsonSchema>)) {
      for (const [option, schema] of Object.entries((def.properties ?? {}) as Record<string, JsonSchema>)) {
        if (typeof schema.description !== 'string' && schema.$ref === undefined) undocumented.push(`${name}.${option}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  test('processors get a required `inputs`; each entry is discriminated by `type` with if/then', () => {
    const schema = buildFlowSchema(fakeRegistries());
    const defs = schema.$defs as Record<string, JsonSchema>;
    expect(defs['processor.pass']?.required).toEqual(['type', 'inputs']);
    expect((defs['processor.pass']?.properties as Record<string, JsonSchema>).inputs).toEqual({ $ref: '#/$defs/inputs' });
    expect(defs['source.ticker']?.required).toEqual(['type']);
    const entry = ((schema.properties as Record<string, JsonSchema>).sources as JsonSchema).additionalProperties as JsonSchema;
    expect(entry.allOf).toEqual([
      { if: { type: 'object', properties: { type: { const: 'broker' } }, required: ['type'] }, then: { $ref: '#/$defs/source.broker' } },
      { if: { type: 'object', properties: { type: { const: 'ticker' } }, required: ['type'] }, then: { $ref: '#/$defs/source.ticker' } },
    ]);
  });

  test('with nothing registered, any component type is reported as unknown', () => {
    const empty = { sourceSpecs: {}, processorSpecs: {} };
    expect(() => loadFlowText('agent: { id: a, data_dir: d }\nsources: { s: { type: serial } }\nbuffer: { inputs: [s] }\n', 'f.yaml', empty))
      .toThrow('f.yaml:2:23: sources.s.type: unknown source type "serial"; no source types are registered');
  });

  test('a spec with an invalid schema fails loudly with ERR_FLOW_SCHEMA', () => {
    const broken = fakeRegistries();
    broken.sourceSpecs = { ...broken.sourceSpecs, bad: { type: 'bad', description: 'Broken.', schema: { type: 'object', properties: { x: { type: 'strnig' } } }, create: () => { throw new Error('unused'); } } };
    expect(() => flowValidator(broken)).toThrow(expect.objectContaining({ code: 'ERR_FLOW_SCHEMA' }));
  });
});
