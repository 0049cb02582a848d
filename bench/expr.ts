/**
 * Expression language micro benchmark: evaluations per second of compiled expressions,
 * side by side with a hand-written JS closure doing the same work (the baseline).
 * Run: npx tsc -p . && node dist/bench/expr.js
 */
import { compileExpression } from '../agent/expr/compile.js';
import { filterSpec } from '../agent/processors/filter.js';
import { silentLogger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import type { DataRecord, JsonValue } from '../core/record.js';

interface Case {
  name: string;
  source: string;
  baseline: (record: DataRecord) => JsonValue;
}

type Climate = { temp: number; humidity: number; status: string; readings: number[] };
const climate = (r: DataRecord): Climate => r.value as Climate;

const cases: Case[] = [
  {
    name: 'filter',
    source: 'value.temp > 30 && attrs.site == "gh1"',
    baseline: (r) => climate(r).temp > 30 && r.attrs.site === 'gh1',
  },
  {
    name: 'arithmetic',
    source: 'round((value.temp * 9 / 5) + 32, 1)',
    baseline: (r) => Math.round((climate(r).temp * 9 / 5 + 32) * 10) / 10,
  },
  {
    name: 'membership + default',
    source: '(value.status ?? "ok") in ["warn", "alarm"] || value.humidity >= 90',
    baseline: (r) => ['warn', 'alarm'].includes(climate(r).status ?? 'ok') || climate(r).humidity >= 90,
  },
  {
    name: 'string functions',
    source: 'starts_with(lower(attrs.site), "gh") && len(value.readings) > 2',
    baseline: (r) => (r.attrs.site ?? '').toLowerCase().startsWith('gh') && climate(r).readings.length > 2,
  },
  {
    name: 'ternary + index',
    source: 'value.readings[0] > value.readings[-1] ? "falling" : "rising"',
    baseline: (r) => {
      const list = climate(r).readings;
      return list[0]! > list[list.length - 1]! ? 'falling' : 'rising';
    },
  },
];

function makeRecords(count: number): DataRecord[] {
  const records: DataRecord[] = [];
  for (let i = 0; i < count; i++) {
    records.push({
      key: `sensor-${i % 50}`,
      ts: 1_700_000_000_000 + i,
      value: { temp: 15 + (i % 30), humidity: 40 + (i % 60), status: i % 7 === 0 ? 'warn' : 'ok', readings: [i % 10, (i * 3) % 10, (i * 7) % 10] },
      attrs: { site: i % 3 === 0 ? 'gh1' : 'GH2', topic: `sensors/sensor-${i % 50}/climate` },
    });
  }
  return records;
}

/** Evaluations per second over ~`ms` of wall time; the checksum keeps the work from being optimized away. */
function measure(fn: (record: DataRecord) => JsonValue, records: DataRecord[], ms: number): { rate: number; checksum: number } {
  let checksum = 0;
  for (let i = 0; i < 200_000; i++) if (fn(records[i % records.length]!) === true) checksum++; // warm-up
  let evaluations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < records.length; i++) if (fn(records[i]!) === true) checksum++;
    evaluations += records.length;
    now = process.hrtime.bigint();
  }
  return { rate: evaluations / (Number(now - start) / 1e9), checksum };
}

function main(): void {
  const records = makeRecords(4096);
  const ms = Number(process.env.BENCH_MS ?? 1000);
  const rows: string[][] = [['case', 'expression', 'compiled eval/s', 'baseline eval/s', 'compiled/baseline']];
  for (const c of cases) {
    const compiled = compileExpression(c.source);
    for (const r of records.slice(0, 100)) {
      if (JSON.stringify(compiled(r)) !== JSON.stringify(c.baseline(r))) throw new Error(`${c.name}: compiled and baseline disagree on ${JSON.stringify(r)}`);
    }
    const ours = measure(compiled, records, ms);
    const base = measure(c.baseline, records, ms);
    rows.push([c.name, c.source, format(ours.rate), format(base.rate), `${(ours.rate / base.rate).toFixed(2)}x`]);
  }
  rows.push(filterProcessorRow(records, ms));
  printTable(rows);
}

/** The filter processor as the pipeline runs it (counters, emit callback) against a hand-written loop. */
function filterProcessorRow(records: DataRecord[], ms: number): string[] {
  const source = cases[0]!.source;
  const context = { id: 'bench', logger: silentLogger(), metrics: new Metrics() };
  const filter = filterSpec.create({ type: 'filter', inputs: ['src'], condition: source }, context);
  let kept = 0;
  const emit = (): void => {
    kept++;
  };
  const viaProcessor = measure((r) => {
    filter.process(r, emit);
    return null;
  }, records, ms);
  const baseline = cases[0]!.baseline;
  const byHand = measure((r) => {
    if (baseline(r) === true) emit();
    return null;
  }, records, ms);
  if (kept === 0) throw new Error('the filter kept nothing');
  return ['filter processor', source, format(viaProcessor.rate), format(byHand.rate), `${(viaProcessor.rate / byHand.rate).toFixed(2)}x`];
}

function format(rate: number): string {
  return `${(rate / 1e6).toFixed(1)}M`;
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  for (const row of rows) console.log(row.map((cell, col) => cell.padEnd(widths[col]!)).join('  '));
}

main();
