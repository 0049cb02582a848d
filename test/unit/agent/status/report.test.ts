import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteLogStore } from '../../../../core/log/sqlite-store.js';
import { silentLogger } from '../../../../core/logger.js';
import { Metrics } from '../../../../core/metrics.js';
import { renderPrometheus } from '../../../../core/prometheus.js';
import { parseStatusMessage } from '../../../../core/status.js';
import type { DataRecord } from '../../../../core/record.js';
import { loadFlowText } from '../../../../agent/flow/load.js';
import { FORWARD_CURSOR, type ForwarderStatus } from '../../../../agent/forward/forwarder.js';
import { AgentBuffer } from '../../../../agent/log/buffer.js';
import type { SourceHealth } from '../../../../agent/component.js';
import { RecentErrors } from '../../../../agent/status/recent-errors.js';
import { StatusReporter, statusMetrics } from '../../../../agent/status/report.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const T0 = 1_700_000_000_000;
const record = (seq: number, ts = T0 + seq): DataRecord => ({ key: 'dev', ts, value: { seq, pad: 'x'.repeat(40) }, attrs: {} });

const FLOW = `
agent: { id: edge-7, data_dir: /unused, flow_name: greenhouse, flow_version: "3", status_interval_ms: 1500 }
sources:
  gen: { type: generate, rate_per_sec: 1 }
buffer: { inputs: [gen], partitions: 2, when_full: drop_newest, when_full_by_partition: { "1": block }, max_bytes: 1MiB }
forward:
  url: mqtt://127.0.0.1:1
  password: hunter2-secret
`;

describe('StatusReporter', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteLogStore;
  let metrics: Metrics;
  let errors: RecentErrors;
  let buffer: AgentBuffer;
  let now: number;
  let forward: ForwarderStatus | undefined;
  let health: SourceHealth;
  const flow = loadFlowText(FLOW, '/etc/tributary/greenhouse.yaml');

  const reporter = (flowText?: string) =>
    new StatusReporter({
      agentId: 'edge-7',
      agentVersion: '9.9.9',
      flow,
      flowText,
      store,
      buffer,
      forward: () => forward,
      sources: () => [{ id: 'gen', type: 'generate', health: () => health }],
      metrics,
      errors,
      now: () => now,
    });

  beforeEach(() => {
    dir = tempDir();
    store = new SqliteLogStore({ path: join(dir.path, 'log.db'), partitions: 2 });
    metrics = new Metrics();
    errors = new RecentErrors();
    now = T0 + 60_000;
    forward = { state: 'connected', lag: [] };
    health = { state: 'connected', detail: '1 record/s' };
    buffer = new AgentBuffer(store, {
      maxBytes: 1 << 30,
      maxAgeMs: 3_600_000,
      whenFull: (p) => (p === 0 ? 'drop_newest' : 'block'),
      commitIntervalMs: 0,
      batchMaxRecords: 10,
      batchMaxBytes: 1 << 20,
      ackCursors: [FORWARD_CURSOR],
      logger: silentLogger(),
      metrics,
    });
  });
  afterEach(async () => {
    await buffer.close();
    store.close();
    dir.remove();
  });

  it('reports buffer depth, bytes and lag from the log: unacknowledged records and the age of the oldest', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => buffer.append(0, record(i))));
    await Promise.all(Array.from({ length: 7 }, (_, i) => buffer.append(1, record(100 + i, T0 + 30_000 + i))));
    // The hub acknowledged partition 0's first batch (offsets 0..9) and nothing of partition 1.
    store.setCursor(FORWARD_CURSOR, 0, 10);
    store.setCursor(FORWARD_CURSOR, 1, 0);
    const report = reporter().next();

    expect(report.buffer.partitions).toEqual([
      { partition: 0, records: 15, bytes: store.state(0).bytes, startOffset: 0, nextOffset: 25, whenFull: 'drop_newest' },
      { partition: 1, records: 7, bytes: store.state(1).bytes, startOffset: 0, nextOffset: 7, whenFull: 'block' },
    ]);
    expect(report.buffer.partitions[0]!.bytes).toBeGreaterThan(0);
    expect(report.buffer.maxBytes).toBe(1024 * 1024);
    // Partition 0's oldest unacknowledged batch starts at seq 10 (ts T0 + 10): 60 s - 10 ms old.
    expect(report.forward).toEqual({ state: 'connected', lagRecords: 22, lagSeconds: 59.99 });
    // Partition 0 all acknowledged: partition 1's records, 30 s old, are the oldest waiting.
    store.setCursor(FORWARD_CURSOR, 0, 25);
    expect(reporter().current().forward).toEqual({ state: 'connected', lagRecords: 7, lagSeconds: 30 });
    store.setCursor(FORWARD_CURSOR, 1, 7);
    expect(reporter().current().forward).toEqual({ state: 'connected', lagRecords: 0, lagSeconds: 0 });
    expect(reporter().current().buffer.partitions.map((p) => p.records)).toEqual([0, 0]);
  });

  it('counts totals since start from the metrics and the drops by reason since start from the log', async () => {
    store.countDropped(0, 'buffer_full', 40); // before this start: not reported
    const r = reporter();
    metrics.counter(statusMetrics.recordsIn, { source: 'gen' }).inc(30);
    metrics.inc(statusMetrics.deadLetters, { component: 'gen' }, 2);
    metrics.inc(statusMetrics.deadLetters, { component: 'scale' }, 1);
    await Promise.all(Array.from({ length: 12 }, (_, i) => buffer.append(0, record(i))));
    metrics.inc(statusMetrics.recordsForwarded, {}, 10);
    store.countDropped(0, 'buffer_full', 5);
    store.countDropped(1, 'buffer_full', 1);
    store.countDropped(1, 'corrupt', 3);
    errors.add('gen', 'could not store records: disk full', T0);

    const report = r.next();
    expect(report.totals).toEqual({ in: 30, buffered: 12, forwarded: 10, deadLetters: 3, errors: 1 });
    expect(report.drops).toEqual({ buffer_full: 6, corrupt: 3 });
    expect(report.sources).toEqual([{ id: 'gen', type: 'generate', state: 'ok', detail: '1 record/s', records: 30, badFrames: 2 }]);
    expect(report.errors).toEqual([{ ts: T0, component: 'gen', message: 'could not store records: disk full' }]);
    // The log's corrupt count reaches the drop counter too, which /metrics shows.
    expect(metrics.get(statusMetrics.dropped, { partition: '1', reason: 'corrupt' })).toBe(3);
  });

  it('fills the header and flow fields, advances seq per report, and reads as a valid status message', () => {
    const text = FLOW;
    const r = reporter(text);
    const first = r.next(true);
    expect(first).toMatchObject({ v: 1, online: true, seq: 1, intervalMs: 1500, agentVersion: '9.9.9', startedAt: now, ts: now });
    expect(first.flow.name).toBe('greenhouse');
    expect(first.flow.version).toBe('3');
    expect(first.flow.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.flowYaml).toContain('password: "***"');
    expect(first.flowYaml).not.toContain('hunter2');
    const second = r.next();
    expect(second.seq).toBe(2);
    expect(second.flowYaml).toBeUndefined();
    expect(r.current().seq).toBe(2);
    expect(parseStatusMessage(JSON.stringify(second))).toEqual(second);
    // The will of the next connection carries the seq its first report will have.
    expect(r.lastWill()).toEqual({ v: 1, online: false, reason: 'connection_lost', ts: now, seq: 3, intervalMs: 1500 });
    expect(r.shutdownNotice()).toMatchObject({ online: false, reason: 'shutdown', seq: 3 });
  });

  it('without a name or version in the flow, names it after its file and versions it by its hash', () => {
    const bare = loadFlowText('agent: { id: a, data_dir: /x }\nsources: { g: { type: generate } }\nbuffer: { inputs: [g] }\n', '/flows/pump-station.yaml');
    const s2 = new SqliteLogStore({ path: join(dir.path, 'other.db'), partitions: 4 });
    try {
      const r = new StatusReporter({ agentId: 'a', agentVersion: '1', flow: bare, store: s2, buffer: { status: () => [] }, forward: () => undefined, sources: () => [], metrics, errors });
      const report = r.next(true);
      expect(report.flow.name).toBe('pump-station');
      expect(report.flow.version).toBe(report.flow.sha256.slice(0, 12));
      expect(report.forward.state).toBe('disabled');
      expect(report.flowYaml).toBeUndefined();
    } finally {
      s2.close();
    }
  });

  it('maps source states to the status vocabulary', () => {
    const r = reporter();
    const states: [SourceHealth['state'], string][] = [['starting', 'connecting'], ['connected', 'ok'], ['reconnecting', 'reconnecting'], ['stalled', 'stalled'], ['error', 'error'], ['stopped', 'stopped']];
    for (const [from, to] of states) {
      health = { state: from };
      expect(r.current().sources[0]!.state).toBe(to);
    }
  });

  it('keeps the buffer and lag gauges current for /metrics', async () => {
    const r = reporter();
    await Promise.all(Array.from({ length: 4 }, (_, i) => buffer.append(1, record(i))));
    r.refreshMetrics();
    const text = renderPrometheus(metrics);
    expect(text).toContain('tributary_buffer_records{partition="0"} 0\n');
    expect(text).toContain('tributary_buffer_records{partition="1"} 4\n');
    expect(text).toContain(`tributary_buffer_bytes{partition="1"} ${store.state(1).bytes}\n`);
    expect(text).toContain('tributary_forward_lag_records 4\n');
    expect(text).toContain('tributary_agent_info{flow="greenhouse",flow_version="3",version="9.9.9"} 1\n');
    expect(metrics.get(statusMetrics.lagSeconds)).toBeCloseTo(60, 1);
  });
});
