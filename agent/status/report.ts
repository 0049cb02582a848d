import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { LogStore } from '../../core/log/store.js';
import type { Gauge, Metrics } from '../../core/metrics.js';
import { STATUS_VERSION, type AgentStatusReport, type BufferPartitionStatus, type OfflineNotice, type SourceHealth, type SourceState } from '../../core/status.js';
import type { SourceHealth as ComponentHealth } from '../component.js';
import type { ForwarderStatus } from '../forward/forwarder.js';
import type { FlowConfig } from '../flow/types.js';
import type { PartitionStatus } from '../log/buffer.js';
import type { RecentErrors } from './recent-errors.js';
import { redactFlowYaml } from './redact.js';

/** Metric names the report reads its totals from (and the gauges it keeps current). */
export const statusMetrics = {
  /** Counter, label `source`: records a source handed to the flow. */
  recordsIn: 'tributary_flow_records_in_total',
  recordsBuffered: 'tributary_buffer_records_appended_total',
  recordsForwarded: 'tributary_forward_records_total',
  /** Counter, label `component`: input kept as a dead letter (a source's bad frames, a processor's failures). */
  deadLetters: 'tributary_flow_dead_letters_total',
  /** Counter, labels `partition`, `reason`. */
  dropped: 'tributary_buffer_dropped_records_total',
  /** Gauges, label `partition`: records not yet acknowledged by the hub, bytes on disk. */
  bufferRecords: 'tributary_buffer_records',
  bufferBytes: 'tributary_buffer_bytes',
  lagRecords: 'tributary_forward_lag_records',
  lagSeconds: 'tributary_forward_lag_seconds',
  /** Gauge = 1 with labels `version`, `flow`, `flow_version`. */
  info: 'tributary_agent_info',
  startTime: 'tributary_agent_start_time_seconds',
} as const;

/** A running source as the report sees it. */
export interface ReportedSource {
  id: string;
  type: string;
  health(): ComponentHealth;
}

export interface StatusReporterOptions {
  agentId: string;
  agentVersion: string;
  flow: FlowConfig;
  /** The flow file's text (hashed, and sent redacted); absent when the flow did not come from a file. */
  flowText?: string;
  store: LogStore;
  buffer: { status(): PartitionStatus[] };
  /** The forwarder's state, undefined without a `forward:` section. */
  forward(): ForwarderStatus | undefined;
  sources(): ReportedSource[];
  metrics: Metrics;
  errors: RecentErrors;
  /** Epoch ms; tests pass a fixed clock. */
  now?: () => number;
}

const STATE_OF: Record<ComponentHealth['state'], SourceState> = {
  starting: 'connecting',
  connected: 'ok',
  reconnecting: 'reconnecting',
  stalled: 'stalled',
  stopped: 'stopped',
  error: 'error',
};

/**
 * Builds the agent's status heartbeat (`AgentStatusReport`, core/status.ts) from the live state: the
 * log's offsets and cursors, the forwarder, the sources' health and the metrics. Counters are totals
 * since the agent started; the hub derives rates. Also keeps the buffer and lag gauges current.
 */
export class StatusReporter {
  readonly intervalMs: number;
  readonly startedAt: number;
  private seq = 0;
  private readonly now: () => number;
  private readonly flowInfo: AgentStatusReport['flow'];
  private readonly flowYaml: string | undefined;
  /** Drop counts the log held before this start: reports count drops since start. */
  private readonly dropsBefore = new Map<string, number>();
  private readonly recordsGauges: Gauge[] = [];
  private readonly bytesGauges: Gauge[] = [];
  private readonly lagRecordsGauge: Gauge;
  private readonly lagSecondsGauge: Gauge;
  /** First timestamp of each partition's oldest unacknowledged batch, by its offset: read from the log once. */
  private readonly oldestUnacknowledged = new Map<number, { offset: number; firstTs: number }>();

  constructor(private readonly options: StatusReporterOptions) {
    const { flow, store, metrics } = options;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.intervalMs = flow.agent.status_interval_ms;
    const text = options.flowText ?? JSON.stringify(flow);
    const sha256 = createHash('sha256').update(text).digest('hex');
    this.flowInfo = {
      name: flow.agent.flow_name ?? basename(flow.file, extname(flow.file)),
      version: flow.agent.flow_version ?? sha256.slice(0, 12),
      sha256,
    };
    this.flowYaml = options.flowText === undefined ? undefined : redactFlowYaml(options.flowText);
    for (const d of store.dropped()) this.dropsBefore.set(dropKey(d.partition, d.reason), d.records);
    for (let p = 0; p < store.partitions; p++) {
      this.recordsGauges.push(metrics.gauge(statusMetrics.bufferRecords, { partition: String(p) }));
      this.bytesGauges.push(metrics.gauge(statusMetrics.bufferBytes, { partition: String(p) }));
    }
    this.lagRecordsGauge = metrics.gauge(statusMetrics.lagRecords);
    this.lagSecondsGauge = metrics.gauge(statusMetrics.lagSeconds);
    metrics.set(statusMetrics.info, { version: options.agentVersion, flow: this.flowInfo.name, flow_version: this.flowInfo.version }, 1);
    metrics.set(statusMetrics.startTime, {}, this.startedAt / 1000);
  }

  /** The next report to publish (advances `seq`); `withFlowYaml` adds the redacted flow file. */
  next(withFlowYaml = false): AgentStatusReport {
    this.seq++;
    return this.build(withFlowYaml);
  }

  /** The current state as a report, without advancing `seq` (GET /status). */
  current(withFlowYaml = false): AgentStatusReport {
    return this.build(withFlowYaml);
  }

  /** The last will set at connect time: carries the seq the connection's first report will have. */
  lastWill(): OfflineNotice {
    return { v: STATUS_VERSION, online: false, reason: 'connection_lost', ts: this.now(), seq: this.seq + 1, intervalMs: this.intervalMs };
  }

  /** The goodbye of a clean stop. */
  shutdownNotice(): OfflineNotice {
    this.seq++;
    return { v: STATUS_VERSION, online: false, reason: 'shutdown', ts: this.now(), seq: this.seq, intervalMs: this.intervalMs };
  }

  /** Updates the buffer and lag gauges (before a /metrics scrape; every report does it too). */
  refreshMetrics(): void {
    this.bufferAndLag();
    this.drops();
  }

  private build(withFlowYaml: boolean): AgentStatusReport {
    const { options } = this;
    const { metrics } = options;
    const { partitions, lagRecords, lagSeconds } = this.bufferAndLag();
    const forward = options.forward();
    const report: AgentStatusReport = {
      v: STATUS_VERSION,
      online: true,
      ts: this.now(),
      seq: this.seq,
      intervalMs: this.intervalMs,
      agentVersion: options.agentVersion,
      startedAt: this.startedAt,
      flow: { ...this.flowInfo },
      buffer: { maxBytes: options.flow.buffer.max_bytes, partitions },
      forward: forward ? { state: forward.state, lagRecords, lagSeconds } : { state: 'disabled', lagRecords, lagSeconds },
      totals: {
        in: metrics.total(statusMetrics.recordsIn),
        buffered: metrics.total(statusMetrics.recordsBuffered),
        forwarded: metrics.total(statusMetrics.recordsForwarded),
        deadLetters: metrics.total(statusMetrics.deadLetters),
        errors: options.errors.total,
      },
      drops: this.drops(),
      sources: options.sources().map((s) => this.sourceHealth(s)),
      errors: options.errors.list(),
    };
    if (forward?.detail !== undefined) report.forward.detail = forward.detail;
    if (withFlowYaml && this.flowYaml !== undefined) report.flowYaml = this.flowYaml;
    return report;
  }

  private sourceHealth(source: ReportedSource): SourceHealth {
    const health = source.health();
    const out: SourceHealth = {
      id: source.id,
      type: source.type,
      state: STATE_OF[health.state],
      records: this.options.metrics.get(statusMetrics.recordsIn, { source: source.id }),
      badFrames: this.options.metrics.get(statusMetrics.deadLetters, { component: source.id }),
    };
    if (health.detail !== undefined) out.detail = health.detail;
    return out;
  }

  /** Per partition: records not acknowledged, and the age of the oldest of them; sets the gauges. */
  private bufferAndLag(): { partitions: BufferPartitionStatus[]; lagRecords: number; lagSeconds: number } {
    const { flow } = this.options;
    const now = this.now();
    let lagRecords = 0;
    let oldestTs = Infinity;
    const partitions = this.options.buffer.status().map((s): BufferPartitionStatus => {
      // A cursor behind the log start means records were dropped: they are no longer waiting.
      const firstUnacknowledged = Math.max(s.acknowledgedOffset, s.startOffset);
      const records = Math.max(0, s.nextOffset - firstUnacknowledged);
      lagRecords += records;
      if (records > 0) oldestTs = Math.min(oldestTs, this.firstTsAt(s.partition, firstUnacknowledged));
      this.recordsGauges[s.partition]?.set(records);
      this.bytesGauges[s.partition]?.set(s.bytes);
      return {
        partition: s.partition,
        records,
        bytes: s.bytes,
        startOffset: s.startOffset,
        nextOffset: s.nextOffset,
        whenFull: flow.buffer.when_full_by_partition?.[String(s.partition)] ?? flow.buffer.when_full,
      };
    });
    const lagSeconds = oldestTs === Infinity ? 0 : Math.max(0, Math.round(now - oldestTs) / 1000);
    this.lagRecordsGauge.set(lagRecords);
    this.lagSecondsGauge.set(lagSeconds);
    return { partitions, lagRecords, lagSeconds };
  }

  /** `firstTs` of the batch holding `offset`; the log is read only when the oldest unacknowledged batch changed. */
  private firstTsAt(partition: number, offset: number): number {
    const cached = this.oldestUnacknowledged.get(partition);
    if (cached?.offset === offset) return cached.firstTs;
    const batch = this.options.store.read(partition, offset, 1).batches[0];
    if (!batch) return Infinity;
    this.oldestUnacknowledged.set(partition, { offset, firstTs: batch.firstTs });
    return batch.firstTs;
  }

  /** Records dropped since start by reason (from the log's persistent counts); keeps the drop counters in step. */
  private drops(): Record<string, number> {
    const byReason: Record<string, number> = {};
    const { metrics } = this.options;
    for (const d of this.options.store.dropped()) {
      const since = d.records - (this.dropsBefore.get(dropKey(d.partition, d.reason)) ?? 0);
      if (since <= 0) continue;
      byReason[d.reason] = (byReason[d.reason] ?? 0) + since;
      // The buffer counts its own drops as they happen; corrupt batches are counted by the log alone.
      const labels = { partition: String(d.partition), reason: d.reason };
      if (metrics.get(statusMetrics.dropped, labels) < since) metrics.set(statusMetrics.dropped, labels, since);
    }
    return byReason;
  }
}

function dropKey(partition: number, reason: string): string {
  return `${partition}/${reason}`;
}
