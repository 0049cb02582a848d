import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteLogStore } from '../core/log/sqlite-store.js';
import { createLogger, type Logger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import { cachedPartitioner } from '../core/partitioner.js';
import { errorMessage } from '../core/errors.js';
import type { ProcessorSpec, Source, SourceHealth, SourceSpec } from './component.js';
import type { FlowConfig } from './flow/types.js';
import { AgentBuffer, type PartitionStatus } from './log/buffer.js';
import { Pipeline } from './pipeline/pipeline.js';
import { lockDataDir } from '../core/data-dir-lock.js';
import { sourceSpecs as defaultSourceSpecs } from './sources/registry.js';
import type { ForwardConfig } from './forward/config.js';
import { FORWARD_CURSOR, Forwarder, type ForwarderStatus } from './forward/forwarder.js';
import { AGENT_VERSION } from './version.js';
import { processorSpecs as defaultProcessorSpecs } from './processors/registry.js';
import type { AgentStatusReport } from '../core/status.js';
import { AgentHttpServer } from './http/server.js';
import { RecentErrors, recordingLogger } from './status/recent-errors.js';
import { StatusReporter, statusMetrics } from './status/report.js';

/**
 * SQLite page cache of the agent's log. Appends touch the last pages and the forwarder reads what was
 * just written (still in the OS page cache), so 2 MiB costs nothing measurable; SQLite's 16 MiB default
 * fills as the log grows and stays allocated (docs/benchmarks.md, agent-rss).
 */
export const AGENT_LOG_CACHE_BYTES = 2 * 1024 * 1024;

export interface AgentOptions {
  logger?: Logger;
  metrics?: Metrics;
  sourceSpecs?: Record<string, SourceSpec<never>>;
  processorSpecs?: Record<string, ProcessorSpec<never>>;
  /** The flow file's text, for the status report (hash, redacted copy); read from `flow.file` when absent. */
  flowText?: string;
}

/** A snapshot of the agent's state, for logs, status heartbeats and the dashboard. */
export interface AgentStatus {
  agentId: string;
  logId: string;
  sources: Record<string, SourceHealth>;
  partitions: PartitionStatus[];
  forward?: ForwarderStatus;
  dropped: { partition: number; reason: string; records: number }[];
}

/** The file holding an agent's durable log inside its data dir. */
export function logPath(dataDir: string): string {
  return join(dataDir, 'log.db');
}

/** A running edge agent: sources -> processors -> durable buffer (-> forwarder, next). */
export class Agent {
  readonly metrics: Metrics;
  /** Builds the status heartbeat; the forwarder publishes it, GET /status serves it. */
  readonly reporter: StatusReporter;
  private readonly sources = new Map<string, Source>();
  private forwarder: Forwarder | undefined;
  private http: AgentHttpServer | undefined;
  private sourcesStarted = false;
  private stopping: Promise<void> | undefined;
  private logClosed = false;

  private constructor(
    readonly flow: FlowConfig,
    readonly store: SqliteLogStore,
    readonly buffer: AgentBuffer,
    private readonly logger: Logger,
    metrics: Metrics,
    private readonly unlock: () => void,
    errors: RecentErrors,
    flowText: string | undefined,
  ) {
    this.metrics = metrics;
    this.reporter = new StatusReporter({
      agentId: flow.agent.id,
      agentVersion: AGENT_VERSION,
      flow,
      flowText,
      store,
      buffer,
      forward: () => this.forwarder?.status(),
      sources: () => [...this.sources].map(([id, source]) => ({ id, type: flow.sources[id]?.type ?? 'unknown', health: () => source.health() })),
      metrics,
      errors,
    });
  }

  /** Opens the log, builds the flow and starts every source. */
  static async start(flow: FlowConfig, options: AgentOptions = {}): Promise<Agent> {
    const errors = new RecentErrors();
    // Every warning and error a component logs also goes into the status report's recent errors.
    const logger = recordingLogger(options.logger ?? createLogger('tributary-agent'), errors);
    const metrics = options.metrics ?? new Metrics();
    const unlock = lockDataDir(flow.agent.data_dir);
    let store: SqliteLogStore | undefined;
    let agent: Agent | undefined;
    try {
      store = new SqliteLogStore({ path: logPath(flow.agent.data_dir), partitions: flow.buffer.partitions, cacheBytes: AGENT_LOG_CACHE_BYTES, logger: logger.child({ component: 'log' }) });
      const buffer = new AgentBuffer(store, {
        maxBytes: flow.buffer.max_bytes,
        maxAgeMs: flow.buffer.max_age_s * 1000,
        whenFull: (p) => flow.buffer.when_full_by_partition?.[String(p)] ?? flow.buffer.when_full,
        commitIntervalMs: flow.buffer.commit_interval_ms,
        batchMaxRecords: flow.buffer.batch_max_records,
        batchMaxBytes: flow.buffer.batch_max_bytes,
        ackCursors: flow.forward ? [FORWARD_CURSOR] : [],
        logger: logger.child({ component: 'buffer' }),
        metrics,
      });
      agent = new Agent(flow, store, buffer, logger, metrics, unlock, errors, options.flowText ?? readFlowText(flow.file));
      if (flow.agent.http) await agent.startHttp(flow.agent.http.host, flow.agent.http.port);
      if (flow.forward) await agent.startForwarder(flow.forward);
      await agent.startSources(options.sourceSpecs ?? defaultSourceSpecs, options.processorSpecs ?? defaultProcessorSpecs);
      agent.sourcesStarted = true;
      logger.info({ agent: flow.agent.id, logId: store.logId, dataDir: flow.agent.data_dir, sources: [...agent.sources.keys()] }, 'agent started');
      return agent;
    } catch (error) {
      await agent?.http?.close();
      store?.close();
      unlock();
      throw error;
    }
  }

  /** The current status report, as the hub gets it (without advancing its seq). */
  statusReport(): AgentStatusReport {
    return this.reporter.current();
  }

  /** Why the agent is not ready (GET /readyz); empty when the log is open and every source was started. */
  notReadyReasons(): string[] {
    const reasons: string[] = [];
    if (this.stopping) reasons.push('stopping');
    if (this.logClosed) reasons.push('log closed');
    if (!this.sourcesStarted) reasons.push('sources not started yet');
    return reasons;
  }

  /** Where the HTTP endpoint listens, when `agent.http` is set and it could listen. */
  get httpAddress(): { host: string; port: number } | undefined {
    return this.http?.address;
  }

  status(): AgentStatus {
    const sources: Record<string, SourceHealth> = {};
    for (const [id, source] of this.sources) sources[id] = source.health();
    const status: AgentStatus = { agentId: this.flow.agent.id, logId: this.store.logId, sources, partitions: this.buffer.status(), dropped: this.store.dropped() };
    if (this.forwarder) status.forward = this.forwarder.status();
    return status;
  }

  /** Stops sources, makes everything buffered durable, closes the log. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.logger.info('agent stopping: stopping sources');
    const results = await Promise.allSettled([...this.sources.values()].map((s) => s.stop()));
    for (const r of results) if (r.status === 'rejected') this.logger.error({ err: r.reason }, 'a source failed to stop cleanly');
    await this.buffer.flush();
    await this.buffer.close();
    await this.forwarder?.stop();
    this.store.close();
    this.logClosed = true;
    await this.http?.close();
    this.unlock();
    this.logger.info('agent stopped');
  }

  private async startForwarder(config: ForwardConfig): Promise<void> {
    const forwarder = new Forwarder({
      agentId: this.flow.agent.id,
      agentVersion: AGENT_VERSION,
      config,
      store: this.store,
      logger: this.logger.child({ component: 'forward' }),
      metrics: this.metrics,
      onAcknowledged: () => this.buffer.onAcknowledged(),
      status: {
        intervalMs: this.reporter.intervalMs,
        report: (withFlowYaml) => this.reporter.next(withFlowYaml),
        lastWill: () => this.reporter.lastWill(),
        shutdownNotice: () => this.reporter.shutdownNotice(),
      },
    });
    this.buffer.onCommitted = () => forwarder.onCommitted();
    this.forwarder = forwarder;
    await forwarder.start();
  }

  /** Serves /metrics, /healthz, /readyz, /status; a port that cannot be had is logged, not fatal: the data path matters more. */
  private async startHttp(host: string, port: number): Promise<void> {
    try {
      this.http = await AgentHttpServer.start({
        host,
        port,
        logger: this.logger.child({ component: 'http' }),
        metrics: this.metrics,
        status: () => this.reporter.current(),
        notReadyReasons: () => this.notReadyReasons(),
        refreshMetrics: () => this.reporter.refreshMetrics(),
      });
      this.logger.info({ http: this.http.address }, `agent HTTP endpoint listening on http://${this.http.address.host}:${this.http.address.port}`);
    } catch (error) {
      this.logger.child({ component: 'http' }).error({ err: error }, errorMessage(error));
    }
  }

  private async startSources(sourceSpecs: Record<string, SourceSpec<never>>, processorSpecs: Record<string, ProcessorSpec<never>>): Promise<void> {
    const partitionOf = cachedPartitioner(this.flow.buffer.partitions);
    const pipeline = new Pipeline({
      flow: this.flow,
      processorSpecs,
      sink: (record) => this.buffer.append(partitionOf(record.key), record),
      logger: this.logger,
      metrics: this.metrics,
    });
    for (const [id, entry] of Object.entries(this.flow.sources)) {
      const spec = sourceSpecs[entry.type];
      if (!spec) throw new Error(`unknown source type ${entry.type} (the flow loader should have refused it)`);
      const recordsIn = this.metrics.counter(statusMetrics.recordsIn, { source: id });
      const source = spec.create(entry as never, {
        id,
        logger: this.logger.child({ source: id }),
        metrics: this.metrics,
        emit: (records) => {
          recordsIn.inc(records.length);
          return pipeline.emit(id, records);
        },
        deadLetter: (raw, reason, attrs) => pipeline.deadLetter(id, raw, reason, attrs),
      });
      this.sources.set(id, source);
    }
    for (const [id, source] of this.sources) {
      try {
        await source.start();
      } catch (error) {
        // A source that cannot start now (device absent, broker down) retries on its own; the agent runs on.
        this.logger.error({ source: id, err: error }, `source failed to start: ${errorMessage(error)}`);
      }
    }
  }
}

/** The flow file as written, or undefined when it cannot be read (a flow built in memory). */
function readFlowText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
