import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { TributaryError } from '../../../core/errors.js';
import { FlowValidationError, formatProblems, loadFlow, loadFlowText, type FlowProblem } from '../../../agent/flow/load.js';
import type { FlowConfig } from '../../../agent/flow/types.js';
import { fakeRegistries } from './fake-specs.js';

const registries = fakeRegistries();

/** Loads YAML with the fake specs; the caller expects it to be valid. */
function load(text: string): FlowConfig {
  return loadFlowText(text, 'flow.yaml', registries);
}

/** Loads YAML that must be invalid and returns its problems. */
function problemsOf(text: string): FlowProblem[] {
  try {
    load(text);
  } catch (error) {
    expect(error).toBeInstanceOf(FlowValidationError);
    return [...(error as FlowValidationError).problems];
  }
  throw new Error('expected the flow to be invalid');
}

/** Problems as the `file:line:col: path: message` lines users see. */
function linesOf(text: string): string[] {
  return formatProblems(problemsOf(text)).split('\n');
}

const minimal = `agent:
  id: edge-1
  data_dir: /var/lib/tributary
sources:
  tick:
    type: ticker
buffer:
  inputs: [tick]
`;

describe('a valid flow', () => {
  test('loads with every default applied, the file set, and deeply frozen', () => {
    const flow = load(minimal);
    expect(flow).toEqual({
      file: 'flow.yaml',
      agent: { id: 'edge-1', data_dir: '/var/lib/tributary', status_interval_ms: 5000 },
      sources: { tick: { type: 'ticker', rate_per_sec: 1 } },
      processors: {},
      buffer: {
        inputs: ['tick'],
        partitions: 4,
        max_bytes: 256 * 1024 * 1024,
        max_age_s: 7 * 24 * 3600,
        when_full: 'block',
        commit_interval_ms: 0,
        batch_max_records: 500,
        batch_max_bytes: 256 * 1024,
        keep_dead_letters: true,
      },
    });
    expect(Object.isFrozen(flow)).toBe(true);
    expect(Object.isFrozen(flow.buffer.inputs)).toBe(true);
    expect(Object.isFrozen(flow.sources.tick)).toBe(true);
    expect(() => {
      (flow.buffer as { partitions: number }).partitions = 9;
    }).toThrow(TypeError);
  });

  test('turns size strings into bytes (IEC powers of 1024, SI powers of 1000)', () => {
    const flow = load(`${minimal}  max_bytes: 64MiB\n  batch_max_bytes: 100 KB\n`);
    expect(flow.buffer.max_bytes).toBe(64 * 1024 * 1024);
    expect(flow.buffer.batch_max_bytes).toBe(100_000);
  });

  test('accepts secret references from the environment, a file, or inline', () => {
    const cases: [string, unknown][] = [
      ['{ env: BROKER_PASSWORD }', { env: 'BROKER_PASSWORD' }],
      ['{ file: /run/secrets/broker }', { file: '/run/secrets/broker' }],
      ['inline-secret', 'inline-secret'],
    ];
    for (const [written, expected] of cases) {
      const flow = load(`agent: { id: a, data_dir: d }
sources:
  b: { type: broker, url: "mqtt://localhost", topics: [t], password: ${written} }
buffer: { inputs: [b] }
`);
      expect(flow.sources.b?.password).toEqual(expected);
    }
  });

  test('takes processors with named outputs, anchors and merge keys, and an empty processors section', () => {
    const flow = load(`agent: { id: a, data_dir: d }
sources:
  tick: &tick { type: ticker, rate_per_sec: 5 }
  tock:
    <<: *tick
    unit: celsius
processors:
  split: { type: fork, inputs: [tick, tock], routes: { hot: "t > 30", cold: "t < 5" } }
  hot_only: { type: pass, inputs: [split.hot] }
buffer:
  inputs: [hot_only, split.cold, split]
  partitions: 2
  when_full_by_partition: { 1: drop_oldest }
`);
    expect(flow.sources.tock).toEqual({ type: 'ticker', rate_per_sec: 5, unit: 'celsius' });
    expect(flow.buffer.when_full_by_partition).toEqual({ 1: 'drop_oldest' });
    expect(load(`${minimal}processors:\n`).processors).toEqual({});
  });
});

describe('problems', () => {
  test('a mistyped key points at the key itself with a did-you-mean', () => {
    expect(linesOf(`agent:
  id: edge-1
  data_dir: /tmp/d
sources:
  tick:
    type: ticker
    rate_per_secs: 2
buffer:
  inputs: [tick]
  max_byte: 1MiB
`)).toEqual([
      'flow.yaml:7:5: sources.tick.rate_per_secs: unknown option "rate_per_secs" for a source of type ticker (did you mean "rate_per_sec"?)',
      'flow.yaml:10:3: buffer.max_byte: unknown key "max_byte" (did you mean "max_bytes"?)',
    ]);
  });

  test('an unknown key with nothing close lists the valid keys', () => {
    expect(linesOf(`${minimal}colour: red\n`)).toEqual([
      'flow.yaml:9:1: colour: unknown key "colour"; expected one of: agent, sources, processors, buffer, forward',
    ]);
  });

  test('a wrong type says what was expected and what was found, at the value', () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources:
  tick: { type: ticker, rate_per_sec: "fast" }
buffer:
  inputs: [tick]
  partitions: 2.5
  keep_dead_letters: "yes"
`)).toEqual([
      'flow.yaml:3:39: sources.tick.rate_per_sec: expected number, got string "fast"',
      'flow.yaml:6:15: buffer.partitions: expected integer, got number 2.5',
      'flow.yaml:7:22: buffer.keep_dead_letters: expected boolean, got string "yes"',
    ]);
  });

  test('.inf and .nan are refused wherever they appear', () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources: { tick: { type: ticker, rate_per_sec: .inf } }
buffer: { inputs: [tick], max_age_s: .nan }
`)).toEqual([
      'flow.yaml:2:48: sources.tick.rate_per_sec: expected a finite number, got Infinity',
      'flow.yaml:3:38: buffer.max_age_s: expected a finite number, got NaN',
    ]);
  });

  test('a number where a string is expected suggests quoting it', () => {
    expect(linesOf(`agent: { id: a, data_dir: d, flow_version: 3 }
sources: { tick: { type: ticker } }
buffer: { inputs: [tick] }
`)).toEqual(['flow.yaml:1:44: agent.flow_version: expected string, got number 3 (quote it to make it a string: "3")']);
  });

  test('missing required keys point at their parent', () => {
    expect(linesOf(`agent:
  id: a
sources:
  b: { type: broker, topics: [t] }
buffer: {}
`)).toEqual([
      'flow.yaml:1:1: agent.data_dir: missing required key "data_dir"',
      'flow.yaml:4:3: sources.b.url: missing required option "url" for a source of type broker',
      'flow.yaml:5:1: buffer.inputs: missing required key "inputs"',
    ]);
  });

  test('options of a processor are named as such (its schema is compiled apart from the flow\'s)', () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources: { tick: { type: ticker } }
processors:
  split: { type: fork, inputs: [tick], rotues: {} }
buffer: { inputs: [split] }
`)).toEqual([
      'flow.yaml:4:3: processors.split.routes: missing required option "routes" for a processor of type fork',
      'flow.yaml:4:40: processors.split.rotues: unknown option "rotues" for a processor of type fork (did you mean "routes"?)',
    ]);
  });

  test('an unknown component type lists the known types with a did-you-mean', () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources:
  tick: { type: tikcer }
  other: { type: 42 }
buffer: { inputs: [tick, other] }
`)).toEqual([
      'flow.yaml:3:17: sources.tick.type: unknown source type "tikcer" (did you mean "ticker"?); known source types: broker, ticker',
      'flow.yaml:4:18: sources.other.type: expected a source type (known source types: broker, ticker), got number 42',
    ]);
  });

  test('an option of the wrong kind inside a source yields one error about that source type, not every alternative', () => {
    const lines = linesOf(`agent: { id: a, data_dir: d }
sources:
  b:
    type: broker
    url: "mqtt://localhost"
    topics: [t]
    framing: { delimiter: 10 }
    password: { evn: BROKER_PASSWORD }
buffer: { inputs: [b] }
`);
    expect(lines).toEqual([
      'flow.yaml:7:27: sources.b.framing.delimiter: expected string, got number 10 (quote it to make it a string: "10")',
      'flow.yaml:8:15: sources.b.password: expected a string, an object with "env" or an object with "file", got object {"evn":"BROKER_PASSWORD"} (did you mean "env" instead of "evn"?)',
    ]);
  });

  test('enum values, limits, patterns and sizes say what would be accepted', () => {
    expect(linesOf(`agent: { id: "edge 1", data_dir: "" }
sources: { tick: { type: ticker, unit: celcius } }
buffer:
  inputs: [tick]
  when_full: drop_olderst
  partitions: 0
  max_bytes: 1KB
  batch_max_bytes: lots
`)).toEqual([
      'flow.yaml:1:14: agent.id: expected a string matching ^[A-Za-z0-9][A-Za-z0-9_.-]*$, got "edge 1"',
      'flow.yaml:1:34: agent.data_dir: expected a non-empty string, got ""',
      'flow.yaml:2:40: sources.tick.unit: expected one of "celsius", "fahrenheit", got "celcius" (did you mean "celsius"?)',
      'flow.yaml:5:14: buffer.when_full: expected one of "block", "drop_oldest", "drop_newest", got "drop_olderst" (did you mean "drop_oldest"?)',
      'flow.yaml:6:15: buffer.partitions: expected a number >= 1, got 0',
      'flow.yaml:7:14: buffer.max_bytes: expected a size >= 65536 bytes, got "1KB" (1000 bytes)',
      'flow.yaml:8:20: buffer.batch_max_bytes: expected a number of bytes or a size such as "256MiB", got string "lots"',
    ]);
  });

  test('an input naming nothing gets a did-you-mean; a missing named output lists the outputs', () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources: { tick: { type: ticker } }
processors:
  split: { type: fork, inputs: [tikc], routes: { hot: "t > 30" } }
  keep: { type: pass, inputs: [split.hott] }
buffer: { inputs: [keep, split.hot, nowhere] }
`)).toEqual([
      'flow.yaml:4:33: processors.split.inputs[0]: unknown input "tikc" (did you mean "tick"?); expected one of: tick, split, keep, split.hot',
      'flow.yaml:5:32: processors.keep.inputs[0]: processor "split" has no output "hott" (did you mean "hot"?); its outputs: hot',
      'flow.yaml:6:37: buffer.inputs[2]: unknown input "nowhere"; expected one of: tick, split, keep, split.hot',
    ]);
  });

  test('a cycle is named in the direction records flow', () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources: { tick: { type: ticker } }
processors:
  a: { type: pass, inputs: [tick, c] }
  b: { type: pass, inputs: [a] }
  c: { type: pass, inputs: [b] }
  self: { type: pass, inputs: [self] }
buffer: { inputs: [c, self] }
`)).toEqual([
      'flow.yaml:5:29: processors.b.inputs[0]: cycle: b -> c -> a -> b; records would go round forever',
      'flow.yaml:7:32: processors.self.inputs[0]: processor "self" reads its own output (cycle: self -> self)',
    ]);
  });

  test('ids are unique across sources and processors; every component must reach the buffer; every named output must be read', () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources:
  tick: { type: ticker }
  spare: { type: ticker }
processors:
  tick: { type: pass, inputs: [tick] }
  split: { type: fork, inputs: [tick], routes: { hot: "t > 30", cold: "t < 5" } }
  dangling: { type: pass, inputs: [split] }
buffer: { inputs: [split.hot] }
`)).toEqual([
      'flow.yaml:4:3: sources.spare: unreachable: its records never get to the buffer; add "spare" to buffer.inputs or to the inputs of a processor that does',
      'flow.yaml:6:3: processors.tick: id "tick" is already used by a source; ids must be unique across sources and processors',
      'flow.yaml:7:3: processors.split: output "cold" is not read by anything, so its records would be lost; add "split.cold" to buffer.inputs or to a processor\'s inputs',
      'flow.yaml:8:3: processors.dangling: unreachable: its records never get to the buffer; add "dangling" to buffer.inputs or to the inputs of a processor that does',
    ]);
  });

  test('buffer settings must agree: partition overrides exist, inputs are not empty, a batch fits a partition', () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources: { tick: { type: ticker } }
buffer:
  inputs: []
  partitions: 2
  max_bytes: 1MiB
  batch_max_bytes: 600KiB
  when_full_by_partition:
    1: drop_oldest
    2: drop_newest
    first: block
`)).toEqual([
      'flow.yaml:2:12: sources.tick: unreachable: its records never get to the buffer; add "tick" to buffer.inputs or to the inputs of a processor that does',
      'flow.yaml:4:11: buffer.inputs: expected at least 1 item, got an empty list',
      'flow.yaml:7:20: buffer.batch_max_bytes: expected at most max_bytes / partitions = 524288 bytes (a batch must fit in a partition\'s share), got 614400',
      'flow.yaml:10:5: buffer.when_full_by_partition.2: partition 2 does not exist: expected 0 to 1 (buffer.partitions is 2)',
      'flow.yaml:11:5: buffer.when_full_by_partition.first: invalid key "first": expected a partition number (0, 1, 2, ...)',
    ]);
  });

  test("a component's own checks report paths relative to it, and run even next to an unknown key", () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources:
  b: { type: broker, url: "mqtt://x", topics: [ok, "#/bad"], colour: red }
processors:
  split: { type: fork, inputs: [b], routes: { hot: "t ?? 1" } }
buffer: { inputs: [split.hot] }
`)).toEqual([
      'flow.yaml:3:52: sources.b.topics[1]: expected "#" only at the end of a topic filter',
      'flow.yaml:3:62: sources.b.colour: unknown option "colour" for a source of type broker; expected one of: type, url, username, password, topics, framing',
      'flow.yaml:5:52: processors.split.routes.hot: cannot compile "t ?? 1"',
    ]);
  });

  test('YAML syntax errors are positioned and stop there', () => {
    const lines = linesOf(`agent: { id: a, data_dir: d }
sources:
  tick: { type: ticker
buffer: { inputs: [tick] }
`);
    expect(lines).toEqual(['flow.yaml:4:1: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }']);
    expect(linesOf('agent:\n\tid: a\n')).toEqual(['flow.yaml:2:1: YAML syntax: Tabs are not allowed as indentation']);
  });

  test('a duplicate key is reported at the second occurrence, with the rest of the flow still checked', () => {
    expect(linesOf(`agent: { id: a, data_dir: d }
sources:
  tick: { type: ticker }
  tick: { type: ticker, rate_per_sec: -1 }
buffer: { inputs: [tick] }
`)).toEqual([
      'flow.yaml:4:3: sources.tick: duplicate key "tick": a key may appear only once in a mapping',
      'flow.yaml:4:39: sources.tick.rate_per_sec: expected a number > 0, got -1',
    ]);
  });

  test('an empty file or a non-mapping says what a flow looks like', () => {
    expect(linesOf('')).toEqual(['flow.yaml:1:1: the flow file is empty: expected a mapping with agent, sources, processors and buffer (see flows/ for examples)']);
    expect(linesOf('# nothing but a comment\n')[0]).toContain('the flow file is empty');
    expect(linesOf('- a\n- b\n')).toEqual(['flow.yaml:1:1: expected object, got array ["a","b"]']);
  });

  test('every problem of a file is reported at once, in file order', () => {
    const problems = problemsOf(`agent: { id: a }
sources:
  tick: { type: ticker, rate: 3 }
  gps: { type: serail }
processors:
  p: { type: pass, inputs: [tock] }
buffer: { inputs: [tick, gps, p], partitions: 2000 }
forward: { url: "mqtt://hub.example:1883", max_in_flight: 4 }
`);
    expect(problems.map((problem) => [problem.line, problem.path])).toEqual([
      [1, 'agent.data_dir'],
      [3, 'sources.tick.rate'],
      [4, 'sources.gps.type'],
      [6, 'processors.p.inputs[0]'],
      [7, 'buffer.partitions'],
    ]);
    expect(problems.every((problem) => problem.file === 'flow.yaml' && problem.column >= 1)).toBe(true);
  });

  test('the error carries a stable code and the formatted problems as its message', () => {
    let caught: unknown;
    try {
      load(`${minimal}  partitions: -1\n`);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TributaryError);
    expect((caught as TributaryError).code).toBe('ERR_FLOW_INVALID');
    expect((caught as Error).message).toBe('flow.yaml:9:15: buffer.partitions: expected a number >= 1, got -1');
  });
});

describe('loadFlow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-flow-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('reads a file and names it in problems', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, minimal);
    expect(loadFlow(good, registries).file).toBe(good);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, minimal.replace('type: ticker', 'type: ticker\n    rate_per_sec: 0'));
    expect(() => loadFlow(bad, registries)).toThrow(`${bad}:7:19: sources.tick.rate_per_sec: expected a number > 0, got 0`);
  });

  test('a missing file is ERR_FLOW_NOT_FOUND with the path in the message', () => {
    const missing = join(dir, 'missing.yaml');
    expect(() => loadFlow(missing, registries)).toThrow(expect.objectContaining({ code: 'ERR_FLOW_NOT_FOUND', message: expect.stringContaining(`${missing}: no such file`) }));
  });
});
