import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadFlow } from '../../../agent/flow/load.js';

const flowsDir = fileURLToPath(new URL('../../../flows/', import.meta.url));
// hub.*.yaml are hub configs (test/unit/hub/config.test.ts checks them), not flows
const examples = readdirSync(flowsDir).filter((name) => name.endsWith('.yaml') && !name.startsWith('hub.')).sort();

describe('example flows', () => {
  test('there are at least the three documented examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['gps-tracker.yaml', 'greenhouse.yaml', 'mixed-site.yaml']));
  });

  test.each(examples)('%s validates against the registered sources and processors', (name) => {
    const file = `${flowsDir}${name}`;
    const flow = loadFlow(file);
    expect(flow.file).toBe(file);
    expect(Object.keys(flow.sources).length).toBeGreaterThan(0);
  });

  test.each(examples)('%s points editors at the schema on its first line', (name) => {
    const firstLine = readFileSync(`${flowsDir}${name}`, 'utf8').split('\n')[0];
    expect(firstLine).toBe('# yaml-language-server: $schema=./flow.schema.json');
  });

  test('the greenhouse flow reads its broker password from the environment, not inline', () => {
    const flow = loadFlow(`${flowsDir}greenhouse.yaml`);
    expect(flow.sources.climate?.password).toEqual({ env: 'GREENHOUSE_MQTT_PASSWORD' });
  });
});
