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
