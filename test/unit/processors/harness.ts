import type { ComponentContext, Processor } from '../../../agent/component.js';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import type { DataRecord, JsonValue } from '../../../core/record.js';

/** A component context with real metrics and a silent logger. */
export function testContext(id = 'p1'): ComponentContext & { metrics: Metrics } {
  return { id, logger: silentLogger(), metrics: new Metrics() };
}

/** What a processor emitted for one input, with output names (undefined = the default output). */
export interface Emitted {
  record: DataRecord;
  output: string | undefined;
}

/** Runs one record through a processor and collects what it emits. */
export function runOne(processor: Processor, record: DataRecord): Emitted[] {
  const out: Emitted[] = [];
  processor.process(record, (emitted, output) => out.push({ record: emitted, output }));
  return out;
}

/** Runs records and returns the emitted records (any output). */
export function runAll(processor: Processor, records: DataRecord[]): DataRecord[] {
  return records.flatMap((r) => runOne(processor, r).map((e) => e.record));
}

/** A record with defaults for the fields a test does not care about. */
export function rec(value: JsonValue, overrides: Partial<DataRecord> = {}): DataRecord {
  return { key: 'dev-1', ts: 1_700_000_000_000, value, attrs: {}, ...overrides };
}

/** A deep-frozen copy: a processor that mutates its input throws in strict mode. */
export function frozen<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (v: unknown): void => {
    if (v !== null && typeof v === 'object') {
      for (const item of Object.values(v)) freeze(item);
      Object.freeze(v);
    }
  };
  freeze(copy);
  return copy;
}

/** The processor's in/out/dropped counters. */
export function counts(metrics: Metrics, id = 'p1'): { in: number; out: number; dropped: number } {
  return {
    in: metrics.get('tributary_processor_records_in_total', { processor: id }),
    out: metrics.get('tributary_processor_records_out_total', { processor: id }),
    dropped: metrics.total('tributary_processor_dropped_total'),
  };
}
