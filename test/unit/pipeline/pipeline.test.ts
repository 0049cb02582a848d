import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import type { DataRecord } from '../../../core/record.js';
import { loadFlowText } from '../../../agent/flow/load.js';
import { processorSpecs } from '../../../agent/processors/registry.js';
import { Pipeline } from '../../../agent/pipeline/pipeline.js';

const flowYaml = (keepDeadLetters = true) => `
agent: { id: unit, data_dir: /tmp/unused }
sources:
  climate: { type: generate }
processors:
  celsius:
    type: map
    inputs: [climate]
    set: { value.temp_c: '(value.temp_f - 32) * 5 / 9' }
  split:
    type: route
    inputs: [celsius]
    routes: { hot: 'value.temp_c > 30' }
  tag_hot:
    type: enrich
    inputs: [split.hot]
    attrs: { alarm: 'true' }
buffer:
  inputs: [tag_hot, split._unmatched]
  keep_dead_letters: ${keepDeadLetters}
`;

const rec = (temp_f: unknown, key = 'gh-1'): DataRecord => ({ key, ts: 1, value: { temp_f } as never, attrs: { source: 'climate' } });

function pipeline(keepDeadLetters = true) {
  const stored: DataRecord[] = [];
  const metrics = new Metrics();
  const p = new Pipeline({
    flow: loadFlowText(flowYaml(keepDeadLetters), 'pipeline.yaml'),
    processorSpecs,
    sink: (r) => {
      stored.push(r);
      return Promise.resolve();
    },
    logger: silentLogger(),
    metrics,
  });
  return { p, stored, metrics };
}

describe('Pipeline', () => {
  it('runs records through the graph: map, route outputs, enrich, into the buffer', async () => {
    const { p, stored } = pipeline();
    await p.emit('climate', [rec(212), rec(50)]);
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({ value: { temp_f: 212, temp_c: 100 }, attrs: { alarm: 'true', source: 'climate' } });
    expect(stored[1]!.value).toEqual({ temp_f: 50, temp_c: 10 });
    expect(stored[1]!.attrs.alarm).toBeUndefined();
  });

  it('sends a record that fails a processor to the dead letters with the reason, and goes on', async () => {
    const { p, stored, metrics } = pipeline();
    await p.emit('climate', [rec('warm'), rec(212)]);
    expect(stored).toHaveLength(2);
    const dead = stored[0]!;
    expect(dead.key).toBe('gh-1');
    expect(dead.value).toEqual({ temp_f: 'warm' });
    expect(dead.attrs.dead_letter_from).toBe('celsius');
    expect(dead.attrs.dead_letter).toMatch(/number/);
    expect(stored[1]!.value).toMatchObject({ temp_c: 100 });
    expect(metrics.get('tributary_flow_dead_letters_total', { component: 'celsius' })).toBe(1);
  });

  it('counts dead letters without storing them when keep_dead_letters is false', async () => {
    const { p, stored, metrics } = pipeline(false);
    await p.emit('climate', [rec(null)]);
    expect(stored).toEqual([]);
    expect(metrics.get('tributary_flow_dead_letters_total', { component: 'celsius' })).toBe(1);
  });

  it('resolves an emit only once every record that reached the sink is durable', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = new Pipeline({ flow: loadFlowText(flowYaml(), 'pipeline.yaml'), processorSpecs, sink: () => gate, logger: silentLogger(), metrics: new Metrics() });
    let done = false;
    const emitted = p.emit('climate', [rec(1), rec(2)]).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toBe(false);
    release();
    await emitted;
    expect(done).toBe(true);
  });
});
