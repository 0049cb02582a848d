import type Database from 'better-sqlite3';
import { Codec, decodeBatch, encodeBatch } from '../../core/log/batch.js';
import type { BatchToAppend, LogStore } from '../../core/log/store.js';
import { TributaryError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Counter, Histogram, Metrics } from '../../core/metrics.js';
import type { StatusMessage } from '../../core/status.js';
import { fnv1a } from '../../core/partitioner.js';
import { BadBatchError, decodeBatchFrame, parseTopic, topics, type BatchHeader, type BatchPlacement, type Hello, type Positions } from '../../core/protocol.js';
import { parseAgentStatus } from '../fleet/report-shape.js';
import { AgentPositions } from './positions.js';

/** Invalid batches remembered at once (a bound: agents sending garbage must not grow the hub's memory). */
const MAX_REMEMBERED_INVALID = 1000;

export interface IngestOptions {
  /** The hub log; its database also holds the de-dup positions. */
  store: LogStore & { database: Database.Database };
  logger: Logger;
  metrics: Metrics;
  /** 0 = commit as soon as the event loop is free; >0 = gather batches this long. */
  commitIntervalMs: number;
  /** Sends a message to one agent (its positions). */
  publishTo(topic: string, payload: string): void;
  /** Gets every valid status message (reports, offline notices); invalid ones are counted as rejected (`bad_status`). */
  onStatus?(agentId: string, message: StatusMessage, context: IngestContext): void;
}

/** Where a publish came from (the broker's connection id), when known. */
export interface IngestContext {
  connectionId?: number;
}

/** A publish the broker hands to the hub after its ACL checks; resolving it sends the PUBACK. */
export interface IngestPacket {
  topic: string;
  payload: Buffer;
}

interface Pending {
  /** Absent for a duplicate that only waits for the commit before it. */
  batch?: BatchToAppend;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Hub ingest: validates agents' batches, drops duplicates, appends the rest to the hub log. A batch is
 * acknowledged (PUBACK) only after the group commit that holds both its data and the agent's new
 * position; batches from every connection that arrive meanwhile share that commit.
 */
export class HubIngest {
  private readonly positions: AgentPositions;
  private pending: Pending[] = [];
  /** Invalid batches seen once at the position the hub waits for (see onInvalidBatch). */
  private readonly invalidOnce = new Set<string>();
  private commitTimer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private readonly commitSeconds: Histogram;
  /** Exists at 0 from the start, so an increase() alert sees the first failed commit. */
  private readonly commitErrors: Counter;

  constructor(private readonly options: IngestOptions) {
    this.positions = new AgentPositions(options.store.database);
    this.commitSeconds = options.metrics.histogram('tributary_hub_commit_seconds');
    this.commitErrors = options.metrics.counter('tributary_hub_commit_errors_total');
  }

  /** Handles one publish of an authenticated agent on its own topics. */
  onPublish(agentId: string, packet: IngestPacket, context: IngestContext = {}): Promise<void> {
    const topic = parseTopic(packet.topic);
    if (!topic || topic.agentId !== agentId) return this.rejected(agentId, 'topic', `unexpected topic ${packet.topic}`);
    switch (topic.kind) {
      case 'hello':
        return this.onHello(agentId, packet.payload);
      case 'batches':
        return this.onBatch(agentId, topic.partition, packet.payload);
      case 'status':
        return this.onStatus(agentId, packet.payload, context);
      default:
        return this.rejected(agentId, 'topic', `agents do not publish to ${packet.topic}`);
    }
  }

  /** Hub partition of an agent partition: fixed, so each device's order holds in the hub log. */
  hubPartitionOf(agentId: string, agentPartition: number): number {
    return fnv1a(`${agentId}/${agentPartition}`) % this.options.store.partitions;
  }

  private onHello(agentId: string, payload: Buffer): Promise<void> {
    let hello: Hello;
    try {
      hello = JSON.parse(payload.toString('utf8')) as Hello;
      if (typeof hello.logId !== 'string' || !Number.isInteger(hello.partitions) || hello.partitions < 1 || hello.partitions > 4096) throw new Error('expected { logId, partitions, agentVersion }');
    } catch (error) {
      return this.rejected(agentId, 'bad_hello', `bad hello: ${errorMessage(error)}`);
    }
    const positions: Positions = { logId: hello.logId, next: this.positions.committedFor(agentId, hello.logId, hello.partitions) };
    this.options.logger.info({ agent: agentId, logId: hello.logId, agentVersion: hello.agentVersion, positions: positions.next }, 'agent connected: sent its positions');
    this.options.publishTo(topics.positions(agentId), JSON.stringify(positions));
    return Promise.resolve();
  }

  /** Status goes to the fleet registry; nothing is stored, and a bad message never drops the connection. */
  private onStatus(agentId: string, payload: Buffer, context: IngestContext): Promise<void> {
    let message: StatusMessage;
    try {
      message = parseAgentStatus(payload);
    } catch (error) {
      this.options.metrics.inc('tributary_hub_rejected_total', { agent: agentId, reason: 'bad_status' });
      this.options.logger.warn({ agent: agentId, reason: 'bad_status' }, `ignored a status message of agent ${agentId}: ${errorMessage(error)}`);
      return Promise.resolve();
    }
    try {
      this.options.onStatus?.(agentId, message, context);
    } catch (error) {
      this.options.metrics.inc('tributary_hub_fleet_errors_total', { reason: 'status' });
      this.options.logger.error({ err: error, agent: agentId }, `fleet registry failed on a status message of agent ${agentId}: ${errorMessage(error)}`);
    }
    return Promise.resolve();
  }

  private onBatch(agentId: string, topicPartition: number, frame: Buffer): Promise<void> {
    let header: BatchHeader;
    let body: Buffer;
    try {
      ({ header, body } = decodeBatchFrame(frame));
      if (header.partition !== topicPartition) throw new TributaryError('ERR_PROTOCOL_BAD_BATCH', `rejected batch: header partition ${header.partition} on the topic of partition ${topicPartition}`);
    } catch (error) {
      const placement = error instanceof BadBatchError ? error.placement : undefined;
      if (placement !== undefined && placement.partition === topicPartition) return this.onInvalidBatch(agentId, placement, errorMessage(error));
      // Acknowledged, not appended: an invalid batch must not wedge the connection in a resend loop.
      return this.rejected(agentId, 'invalid', errorMessage(error));
    }
    const m = this.options.metrics;
    const expected = this.positions.expected(agentId, header.logId, header.partition);
    const end = header.baseOffset + header.count;
    if (end <= expected) {
      m.inc('tributary_hub_batches_total', { result: 'duplicate' });
      m.inc('tributary_hub_duplicate_records_total', {}, header.count);
      return this.afterPendingCommit();
    }
    if (header.baseOffset > expected) {
      if (header.gapFrom === undefined || header.gapFrom > expected) {
        m.inc('tributary_hub_batches_total', { result: 'gap' });
        this.options.logger.warn({ agent: agentId, logId: header.logId, partition: header.partition, expected, got: header.baseOffset }, 'batch after a gap: telling the agent to resume from the hub position');
        this.options.publishTo(topics.positions(agentId), JSON.stringify({ logId: header.logId, next: this.positions.committedFor(agentId, header.logId, header.partition + 1) } satisfies Positions));
        return Promise.reject(new TributaryError('ERR_INGEST_GAP', `agent ${agentId} partition ${header.partition}: expected offset ${expected}, got ${header.baseOffset}; the agent resumes from ${expected} after reconnecting`, { retriable: true }));
      }
      const lost = header.baseOffset - expected;
      m.inc('tributary_hub_lost_at_edge_records_total', { agent: agentId }, lost);
      this.options.logger.warn({ agent: agentId, partition: header.partition, from: expected, to: header.baseOffset, records: lost }, 'agent reports records lost at the edge (dropped by its when_full policy or corrupt); accepting the gap');
    }
    let batch: BatchToAppend = { partition: this.hubPartitionOf(agentId, header.partition), count: header.count, firstTs: header.firstTs, maxTs: header.maxTs, codec: header.codec, body };
    if (header.baseOffset < expected) {
      // Overlaps what the hub has (batch boundaries changed, e.g. re-batched): keep only the new tail.
      const tail = decodeBatch(body, header.codec).slice(expected - header.baseOffset);
      batch = { ...encodeBatch(tail, Codec.json), partition: batch.partition };
    }
    this.positions.advance(agentId, header.logId, header.partition, end);
    return this.enqueue(batch);
  }

  /**
   * An invalid batch with a readable place in the agent's log. Acknowledged and not appended; the first
   * time it is the batch the hub waits for, it is remembered: damage in transit goes away when the agent
   * sends it again (its next batch is a gap, so it reconnects and resumes from here). Sent again unchanged,
   * it will never be taken: the hub gives it up (its records counted in
   * tributary_hub_invalid_records_total and logged) and moves past it, else that partition would wait forever.
   */
  private onInvalidBatch(agentId: string, placement: BatchPlacement, message: string): Promise<void> {
    const { logId, partition, baseOffset, count } = placement;
    if (baseOffset !== this.positions.expected(agentId, logId, partition)) return this.rejected(agentId, 'invalid', message);
    const key = JSON.stringify([agentId, logId, partition, baseOffset, count]);
    if (!this.invalidOnce.has(key)) {
      if (this.invalidOnce.size >= MAX_REMEMBERED_INVALID) this.invalidOnce.delete(this.invalidOnce.values().next().value!);
      this.invalidOnce.add(key);
      return this.rejected(agentId, 'invalid', `${message}; acknowledged, not stored: the agent's next batch makes it send this one again`);
    }
    this.invalidOnce.delete(key);
    this.options.metrics.inc('tributary_hub_batches_total', { result: 'rejected' });
    this.options.metrics.inc('tributary_hub_rejected_total', { agent: agentId, reason: 'invalid' });
    this.options.metrics.inc('tributary_hub_invalid_records_total', { agent: agentId }, count);
    this.options.logger.error({ agent: agentId, logId, partition, from: baseOffset, to: baseOffset + count, records: count }, `${message}; received twice unchanged: gave up its ${count} records (offsets ${baseOffset}-${baseOffset + count - 1} of agent ${agentId} partition ${partition}) and moved past it; the agent still has them (tributary log dump)`);
    this.positions.advance(agentId, logId, partition, baseOffset + count);
    return this.enqueue();
  }

  /** A duplicate is acknowledged only after batches accepted before it are durable (acks stay in order). */
  private afterPendingCommit(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return this.enqueue();
  }

  /** Resolves after the next group commit (with `batch` in it, when given); rejects when that commit fails. */
  private enqueue(batch?: BatchToAppend): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push(batch === undefined ? { resolve, reject } : { batch, resolve, reject });
      this.scheduleCommit();
    });
  }

  private rejected(agentId: string, reason: string, message: string): Promise<void> {
    this.options.metrics.inc('tributary_hub_batches_total', { result: 'rejected' });
    this.options.metrics.inc('tributary_hub_rejected_total', { agent: agentId, reason });
    this.options.logger.warn({ agent: agentId, reason }, message);
    return Promise.resolve();
  }

  private scheduleCommit(): void {
    if (this.commitTimer) return;
    const interval = this.options.commitIntervalMs;
    const run = () => {
      this.commitTimer = undefined;
      this.commit();
    };
    this.commitTimer = interval > 0 ? setTimeout(run, interval) : setImmediate(run);
  }

  /** One transaction: every accepted batch and the positions that go with them. */
  commit(): void {
    const pending = this.pending;
    this.pending = [];
    if (pending.length === 0) return;
    const batches = pending.flatMap((p) => (p.batch ? [p.batch] : []));
    const started = performance.now();
    try {
      // Positions alone move when an invalid batch is given up.
      if (batches.length > 0 || this.positions.changed) this.options.store.append(batches, () => this.positions.save());
      this.positions.committedNow();
    } catch (error) {
      this.positions.rollback();
      this.commitErrors.inc();
      this.options.logger.error({ err: error, batches: batches.length }, `hub log commit failed: ${errorMessage(error)}; agents will resend`);
      for (const p of pending) p.reject(error as Error);
      return;
    }
    const m = this.options.metrics;
    m.inc('tributary_hub_commits_total');
    this.commitSeconds.observe((performance.now() - started) / 1000);
    m.inc('tributary_hub_batches_total', { result: 'appended' }, batches.length);
    m.inc('tributary_hub_records_appended_total', {}, batches.reduce((n, b) => n + b.count, 0));
    for (const p of pending) p.resolve();
  }

  /** Commits what is pending (on shutdown). */
  flush(): void {
    if (this.commitTimer) {
      clearTimeout(this.commitTimer as NodeJS.Timeout);
      clearImmediate(this.commitTimer as NodeJS.Immediate);
      this.commitTimer = undefined;
    }
    this.commit();
  }
}
