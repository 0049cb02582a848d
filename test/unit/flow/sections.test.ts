import { describe, expect, it } from 'vitest';
import { loadFlowText } from '../../../agent/flow/load.js';

describe('route outputs', () => {
  it('reading a route processor without naming an output is an error that lists its outputs', () => {
    const yaml = `agent: { id: a, data_dir: /tmp/x }
sources: { g: { type: generate } }
processors:
  split: { type: route, inputs: [g], routes: { hot: 'value.t > 1' } }
buffer: { inputs: [split, split.hot] }
`;
    expect(() => loadFlowText(yaml, 'route.yaml')).toThrow(/route.yaml:5:\d+: buffer.inputs\[0\]: processor "split" \(route\) emits only on named outputs; read one of: split.hot, split._unmatched/);
  });
});

describe('forward section', () => {
  it('applies defaults and reports a typo with a suggestion', () => {
    const base = 'agent: { id: a, data_dir: /tmp/x }\nsources: { g: { type: generate } }\nbuffer: { inputs: [g] }\n';
    const flow = loadFlowText(`${base}forward: { url: "mqtt://hub:1883", password: { env: HUB_PASSWORD } }\n`, 'f.yaml');
    expect(flow.forward).toMatchObject({ url: 'mqtt://hub:1883', max_in_flight: 8, batch_max_records: 5000, compression: 'none', password: { env: 'HUB_PASSWORD' } });
    expect(() => loadFlowText(`${base}forward: { url: "mqtt://hub:1883", max_inflight: 4 }\n`, 'f.yaml')).toThrow(/f.yaml:4:\d+: forward.max_inflight: unknown key "max_inflight".*did you mean "max_in_flight"/);
    expect(() => loadFlowText(`${base}forward: { url: "http://hub" }\n`, 'f.yaml')).toThrow(/forward.url/);
  });
});
