import { afterEach, describe, expect, it, vi } from 'vitest';
import { Ajv } from 'ajv';
import type { SourceContext } from '../../../agent/component.js';
import { checkGenerateSourceConfig, generateSourceDefaults, generateSourceSchema, type GenerateSourceConfig } from '../../../agent/sources/generate/config.js';
import { GenerateSource, generateSourceMetrics } from '../../../agent/sources/generate/source.js';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import type { DataRecord } from '../../../core/record.js';

interface Recorder extends SourceContext {
  batches: DataRecord[][];
  records(): DataRecord[];
  hold: boolean;
  fail: boolean;
  release(): void;
}

function recorder(): Recorder {
  const held: (() => void)[] = [];
  const context: Recorder = {
    id: 'gen',
    logger: silentLogger(),
    metrics: new Metrics(),
    batches: [],
    records: () => context.batches.flat(),
    hold: false,
    fail: false,
    emit(records) {
      context.batches.push(records);
      if (context.fail) return Promise.reject(new Error('log unavailable (test)'));
      if (context.hold) return new Promise<void>((resolve) => held.push(resolve));
      return Promise.resolve();
    },
    deadLetter: () => Promise.resolve(),
    release() {
      for (const resolve of held.splice(0)) resolve();
    },
  };
  return context;
}

function config(overrides: Partial<GenerateSourceConfig> = {}): GenerateSourceConfig {
  return { type: 'generate', ...generateSourceDefaults, ...overrides };
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const sources: GenerateSource[] = [];
function start(cfg: GenerateSourceConfig, context: Recorder, clock?: { now(): number }): GenerateSource {
  const source = new GenerateSource(cfg, context, clock);
  sources.push(source);
  void source.start();
  return source;
}

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  vi.useRealTimers();
});

describe('generate source', () => {
  it('emits exactly count records in batches of batch_size, then reports stopped', async () => {
    const context = recorder();
    const source = start(config({ rate_per_sec: 0, count: 2500, batch_size: 1000 }), context);
    await until(() => source.health().state === 'stopped', 'the count to be reached');
    expect(context.batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(context.records()).toHaveLength(2500);
    expect(source.health().detail).toMatch(/2500 records/);
    expect(context.metrics.get(generateSourceMetrics.records, { source: 'gen' })).toBe(2500);
  });

  it('keeps the average rate exact while batching at high rates (fake clock)', async () => {
    vi.useFakeTimers();
    const context = recorder();
    start(config({ rate_per_sec: 100_000 }), context, { now: () => Date.now() });
    await vi.advanceTimersByTimeAsync(1000);
    expect(context.records()).toHaveLength(100_000);
    // A batch every 5 ms rather than a timer per record.
    expect(new Set(context.batches.map((b) => b.length))).toEqual(new Set([500]));
    await vi.advanceTimersByTimeAsync(250);
    expect(context.records()).toHaveLength(125_000);
  });

  it('spreads low rates one record at a time (fake clock)', async () => {
    vi.useFakeTimers();
    const context = recorder();
    start(config({ rate_per_sec: 7 }), context, { now: () => Date.now() });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(context.records()).toHaveLength(70);
    expect(context.batches.every((b) => b.length === 1)).toBe(true);
  });

  it('uses the keys in turn with a sequence per key', async () => {
    const context = recorder();
    const source = start(config({ rate_per_sec: 0, count: 9, key_count: 3, key_prefix: 'dev-', value: { n: 'sequence', k: 'key' } }), context);
    await until(() => source.health().state === 'stopped', 'count');
    expect(context.records().map((r) => `${r.key}:${JSON.stringify(r.value)}`)).toEqual([
      'dev-0:{"n":0,"k":"dev-0"}',
      'dev-1:{"n":0,"k":"dev-1"}',
      'dev-2:{"n":0,"k":"dev-2"}',
      'dev-0:{"n":1,"k":"dev-0"}',
      'dev-1:{"n":1,"k":"dev-1"}',
      'dev-2:{"n":1,"k":"dev-2"}',
      'dev-0:{"n":2,"k":"dev-0"}',
      'dev-1:{"n":2,"k":"dev-1"}',
      'dev-2:{"n":2,"k":"dev-2"}',
    ]);
    expect(context.records().every((r) => r.attrs.source === 'gen')).toBe(true);
  });

  it('gives the same keys and values for the same seed, others for another seed', async () => {
    const template: GenerateSourceConfig['value'] = {
      temp: { walk: { start: 21, step: 0.5, min: 15, max: 30, decimals: 2 } },
      level: { random: [0, 1] },
      state: { choice: ['open', 'closed', 'ajar'] },
    };
    const run = async (seed: number): Promise<string[]> => {
      const context = recorder();
      const source = start(config({ rate_per_sec: 0, count: 200, keys: ['a', 'b'], value: template, seed }), context);
      await until(() => source.health().state === 'stopped', 'count');
      return context.records().map((r) => `${r.key}:${JSON.stringify(r.value)}`);
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
  });

  it('makes each generator stay within its range', async () => {
    const context = recorder();
    const source = start(
      config({
        rate_per_sec: 0,
        count: 2000,
        key_count: 4,
        seed: 7,
        value: {
          temp: { random: [18, 30], decimals: 1 },
          dice: { random_int: [1, 6] },
          drift: { walk: { start: 50, step: 2, min: 45, max: 55 } },
          tide: { sine: { min: -1, max: 1, period_s: 60 } },
          door: { choice: ['open', 'closed'] },
          unit: { const: 'celsius' },
          calibrated: true,
          at: 'timestamp',
        },
      }),
      context,
    );
    await until(() => source.health().state === 'stopped', 'count');
    const values = context.records().map((r) => ({ ts: r.ts, key: r.key, ...(r.value as Record<string, unknown>) })) as {
      ts: number; key: string; temp: number; dice: number; drift: number; tide: number; door: string; unit: string; calibrated: boolean; at: number;
    }[];
    expect(values.every((v) => v.temp >= 18 && v.temp <= 30 && Math.round(v.temp * 10) === v.temp * 10)).toBe(true);
    expect(new Set(values.map((v) => v.dice))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(values.every((v) => v.drift >= 45 && v.drift <= 55)).toBe(true);
    expect(values.every((v) => v.tide >= -1 && v.tide <= 1)).toBe(true);
    expect(new Set(values.map((v) => v.door))).toEqual(new Set(['open', 'closed']));
    expect(values.every((v) => v.unit === 'celsius' && v.calibrated === true && v.at === v.ts)).toBe(true);
    // A walk moves at most one step per record of its key, and starts at start.
    for (const key of ['gen-0', 'gen-1', 'gen-2', 'gen-3']) {
      const walk = values.filter((v) => v.key === key).map((v) => v.drift);
      expect(walk[0]).toBe(50);
      for (let i = 1; i < walk.length; i++) expect(Math.abs(walk[i]! - walk[i - 1]!)).toBeLessThanOrEqual(2);
      expect(new Set(walk).size).toBeGreaterThan(10);
    }
  });

  it('fills values of exactly payload_bytes characters', async () => {
    const context = recorder();
    const source = start(config({ rate_per_sec: 0, count: 100, payload_bytes: 100, seed: 1 }), context);
    await until(() => source.health().state === 'stopped', 'count');
    const values = context.records().map((r) => r.value);
    expect(values.every((v) => typeof v === 'string' && Buffer.byteLength(v) === 100)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(1);
  });

  it('pauses while too many records wait to be durable and resumes after', async () => {
    const context = recorder();
    context.hold = true;
    const source = start(config({ rate_per_sec: 0, batch_size: 100, count: 5000 }), context);
    await until(() => source.count === 1600, 'generation to reach its in-flight limit');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(source.count).toBe(1600);
    context.hold = false;
    context.release();
    await until(() => source.health().state === 'stopped', 'the count after release');
    expect(context.records()).toHaveLength(5000);
  });

  it('counts failed emits, reports the error and goes on', async () => {
    const context = recorder();
    context.fail = true;
    const source = start(config({ rate_per_sec: 0, batch_size: 10 }), context);
    await until(() => source.health().state === 'error', 'the error state');
    expect(source.health().detail).toMatch(/log unavailable/);
    context.fail = false;
    await until(() => source.health().state === 'connected', 'recovery');
    expect(context.metrics.get(generateSourceMetrics.emitFailures, { source: 'gen' })).toBeGreaterThanOrEqual(10);
  });

  it('stops emitting on stop', async () => {
    const context = recorder();
    const source = start(config({ rate_per_sec: 0, batch_size: 10 }), context);
    await until(() => context.batches.length > 3, 'some batches');
    await source.stop();
    const emitted = context.records().length;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(context.records().length).toBe(emitted);
    expect(source.health().state).toBe('stopped');
  });
});

describe('generate source config', () => {
  const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
  const validate = ajv.compile(generateSourceSchema);

  it('applies defaults and accepts a template', () => {
    const cfg: Record<string, unknown> = { type: 'generate', value: { seq: 'sequence', t: { walk: { start: 20, step: 0.1 } }, on: true } };
    expect(validate(cfg)).toBe(true);
    expect(cfg).toMatchObject({ rate_per_sec: 10, key_count: 1, key_prefix: 'gen-' });
  });

  it('rejects unknown generators and options', () => {
    expect(validate({ type: 'generate', value: { t: 'noise' } })).toBe(false);
    expect(validate({ type: 'generate', value: { t: { random: [1] } } })).toBe(false);
    expect(validate({ type: 'generate', rate: 5 })).toBe(false);
  });

  it('checks value/payload_bytes exclusivity and ranges', () => {
    const problems = checkGenerateSourceConfig(
      config({ payload_bytes: 10, value: { a: { random: [5, 1] }, b: { walk: { start: 0, step: 1, min: 1, max: 2 } }, c: { sine: { min: 3, max: 1, period_s: 1 } } } }),
    );
    expect(problems.map((p) => p.path.join('.'))).toEqual(['payload_bytes', 'value.a.random', 'value.b.walk.start', 'value.c.sine.min']);
  });
});
