import { encodeRecord, joinEncodedRecords, Codec } from '../../core/log/batch.js';
import { DROP_REASONS, type BatchToAppend, type DropReason, type LogStore } from '../../core/log/store.js';
import { TributaryError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Counter, Histogram, Metrics } from '../../core/metrics.js';
import type { DataRecord } from '../../core/record.js';
import type { WhenFull } from '../flow/types.js';
import { createGate, type Gate } from './gate.js';

export interface BufferOptions {
  /** Total bytes the log may hold, split evenly across partitions. */
  maxBytes: number;
  /** Acknowledged batches older than this are deleted. */
  maxAgeMs: number;
  whenFull: (partition: number) => WhenFull;
  /** 0 = commit as soon as the event loop is free; >0 = gather records this long first. */
  commitIntervalMs: number;
  batchMaxRecords: number;
  batchMaxBytes: number;
  /** Cursors that must pass a batch before it counts as acknowledged; none = acknowledged once stored. */
  ackCursors: string[];
  logger: Logger;
  metrics: Metrics;
  /** How often age retention runs and blocked partitions are retried. */
  maintenanceIntervalMs?: number;
}

interface SealedBatch {
  batch: BatchToAppend;
  gate: Gate;
}

interface PartitionBuffer {
  partition: number;
  open: string[];
  openBytes: number;
  firstTs: number;
  maxTs: number;
  gate: Gate | undefined;
  /** Sealed batches waiting for a commit (or for room, when the partition blocks). */
  sealed: SealedBatch[];
  blocked: boolean;
}

/** Per-partition buffer figures for status reports. */
export interface PartitionStatus {
  partition: number;
  startOffset: number;
  nextOffset: number;
  bytes: number;
  /** Offset up to which every record is acknowledged downstream. */
  acknowledgedOffset: number;
  /** Records held in memory, not yet durable. */
  pendingRecords: number;
  blocked: boolean;
}

/** Counted drops, by partition and reason. */
const DROPPED_RECORDS_METRIC = 'tributary_buffer_dropped_records_total';
/** Failed commits, by reason. */
const COMMIT_ERRORS_METRIC = 'tributary_buffer_commit_errors_total';
const COMMIT_ERROR_REASONS = ['disk_full', 'error'] as const;

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 30_000;

/**
 * The agent's write path into the durable log: seals records into batches per partition and
 * group-commits every sealed batch in one transaction. `append` resolves only once the record is
 * durable (the output gate), or dropped by the partition's when-full policy (counted by reason).
 */
export class AgentBuffer {
  private readonly parts: PartitionBuffer[] = [];
  private readonly capPerPartition: number;
  private commitTimer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 0;
  private readonly maintenanceTimer: NodeJS.Timeout;
  private closed = false;
  private readonly commitSeconds: Histogram;
  /** Drop counters per partition and reason, and commit error counters per reason: all exist at 0 from the start. */
  private readonly droppedCounters: Record<DropReason, Counter>[] = [];
  private readonly commitErrors: Record<(typeof COMMIT_ERROR_REASONS)[number], Counter>;
  /** Called after every successful commit (the forwarder sends what became durable). */
  onCommitted: () => void = () => undefined;

  constructor(
    private readonly store: LogStore,
    private readonly options: BufferOptions,
  ) {
    for (let p = 0; p < store.partitions; p++) {
      this.parts.push({ partition: p, open: [], openBytes: 0, firstTs: 0, maxTs: 0, gate: undefined, sealed: [], blocked: false });
    }
    this.capPerPartition = Math.floor(options.maxBytes / store.partitions);
    this.commitSeconds = options.metrics.histogram('tributary_log_commit_seconds', { log: 'agent' });
    // Alerts use increase(): a series that appears only with its first drop or error hides that one.
    // `corrupt` drops are counted by the log (the status reporter copies them), but their series start here too.
    for (let p = 0; p < store.partitions; p++) {
      const labels = (reason: DropReason) => ({ partition: String(p), reason });
      this.droppedCounters.push(Object.fromEntries(DROP_REASONS.map((r) => [r, options.metrics.counter(DROPPED_RECORDS_METRIC, labels(r))])) as Record<DropReason, Counter>);
    }
    this.commitErrors = Object.fromEntries(COMMIT_ERROR_REASONS.map((r) => [r, options.metrics.counter(COMMIT_ERRORS_METRIC, { reason: r })])) as AgentBuffer['commitErrors'];
    this.maintenanceTimer = setInterval(() => this.maintain(), options.maintenanceIntervalMs ?? 5000);
    this.maintenanceTimer.unref();
  }

  /** Adds a record to a partition; resolves when it is durable (or deliberately dropped, and counted). */
  append(partition: number, record: DataRecord): Promise<void> {
    if (this.closed) return Promise.reject(new TributaryError('ERR_BUFFER_CLOSED', 'the buffer is closed (agent shutting down)'));
    const p = this.parts[partition];
    if (!p) return Promise.reject(new TributaryError('ERR_LOG_PARTITION', `partition ${partition} does not exist`));
    const encoded = encodeRecord(record);
    if (p.open.length === 0) {
      p.firstTs = record.ts;
      p.maxTs = record.ts;
    } else if (record.ts > p.maxTs) {
      p.maxTs = record.ts;
    }
    p.open.push(encoded);
    p.openBytes += encoded.length + 1;
    p.gate ??= createGate();
    const promise = p.gate.promise;
    if (p.open.length >= this.options.batchMaxRecords || p.openBytes >= this.options.batchMaxBytes) this.seal(p);
    this.scheduleCommit();
    return promise;
  }

  /** Commits everything buffered now; resolves when it is durable or (block policy) waiting for room. */
  async flush(): Promise<void> {
    this.clearCommitTimer();
    this.commit();
  }

  /** Call when an acknowledging cursor moved: frees room for blocked partitions. */
  onAcknowledged(): void {
    if (this.parts.some((p) => p.blocked)) this.scheduleCommit();
  }

  status(): PartitionStatus[] {
    return this.parts.map((p) => {
      const s = this.store.state(p.partition);
      return {
        partition: p.partition,
        startOffset: s.startOffset,
        nextOffset: s.nextOffset,
        bytes: s.bytes,
        acknowledgedOffset: this.acknowledgedOffset(p.partition),
        pendingRecords: p.open.length + p.sealed.reduce((n, b) => n + b.batch.count, 0),
        blocked: p.blocked,
      };
    });
  }

  /** Commits what is buffered, stops timers; records that could not be made durable are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.clearCommitTimer();
    clearInterval(this.maintenanceTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.commit();
    this.closed = true;
    const error = new TributaryError('ERR_BUFFER_CLOSED', 'agent stopped before these records could be stored; they were not acknowledged upstream');
    for (const p of this.parts) {
      for (const s of p.sealed) s.gate.reject(error);
      p.gate?.reject(error);
      p.sealed = [];
    }
  }

  private seal(p: PartitionBuffer): void {
    if (p.open.length === 0 || !p.gate) return;
    const batch: BatchToAppend = {
      partition: p.partition,
      count: p.open.length,
      firstTs: p.firstTs,
      maxTs: p.maxTs,
      codec: Codec.json,
      body: joinEncodedRecords(p.open),
    };
    p.sealed.push({ batch, gate: p.gate });
    p.open = [];
    p.openBytes = 0;
    p.gate = undefined;
  }

  private scheduleCommit(): void {
    if (this.commitTimer || this.retryTimer || this.closed) return;
    const interval = this.options.commitIntervalMs;
    this.commitTimer = interval > 0 ? setTimeout(() => this.commitFromTimer(), interval) : setImmediate(() => this.commitFromTimer());
  }

  private commitFromTimer(): void {
    this.commitTimer = undefined;
    this.commit();
  }

  private clearCommitTimer(): void {
    if (!this.commitTimer) return;
    clearTimeout(this.commitTimer as NodeJS.Timeout);
    clearImmediate(this.commitTimer as NodeJS.Immediate);
    this.commitTimer = undefined;
  }

  /** One group commit: every partition's sealed batches that have room, in one transaction. */
  private commit(): void {
    const writing: SealedBatch[] = [];
    try {
      for (const p of this.parts) {
        this.seal(p);
        if (p.sealed.length > 0) writing.push(...this.admit(p));
      }
      if (writing.length === 0) return;
      const started = performance.now();
      this.store.append(writing.map((s) => s.batch));
      const m = this.options.metrics;
      m.inc('tributary_buffer_commits_total');
      this.commitSeconds.observe((performance.now() - started) / 1000);
      let records = 0;
      for (const s of writing) {
        records += s.batch.count;
        s.gate.resolve();
      }
      m.inc('tributary_buffer_records_appended_total', {}, records);
      this.retryDelayMs = 0;
      this.onCommitted();
    } catch (error) {
      this.requeue(writing);
      this.scheduleRetry(error);
    }
  }

  /** Applies the partition's when-full policy and returns the sealed batches that may be written now. */
  private admit(p: PartitionBuffer): SealedBatch[] {
    let incoming = p.sealed.reduce((n, s) => n + s.batch.body.length, 0);
    let state = this.store.state(p.partition);
    if (state.bytes + incoming > this.capPerPartition) {
      this.freeAcknowledged(p.partition, state.bytes + incoming - this.capPerPartition);
      state = this.store.state(p.partition);
    }
    const policy = this.options.whenFull(p.partition);
    if (state.bytes + incoming <= this.capPerPartition) {
      p.blocked = false;
      return p.sealed.splice(0);
    }
    if (policy === 'drop_oldest') {
      const need = state.bytes + incoming - this.capPerPartition;
      const acknowledged = this.acknowledgedOffset(p.partition);
      let freed = 0;
      let unacknowledged = 0;
      this.store.deleteOldest(p.partition, (b) => {
        const go = freed < need;
        if (go) {
          freed += b.bytes;
          unacknowledged += Math.max(0, b.baseOffset + b.count - Math.max(acknowledged, b.baseOffset));
        }
        return go;
      });
      this.countDropped(p.partition, 'buffer_full', unacknowledged);
      this.options.logger.warn({ partition: p.partition, records: unacknowledged }, 'buffer full: dropped the oldest unacknowledged records (when_full: drop_oldest)');
      return p.sealed.splice(0);
    }
    // block / drop_newest: admit what fits, in order.
    const admitted: SealedBatch[] = [];
    let room = this.capPerPartition - state.bytes;
    while (p.sealed.length > 0) {
      const next = p.sealed[0]!;
      const size = next.batch.body.length;
      // An empty partition always takes one batch, so a batch larger than the cap cannot wedge it.
      if (size > room && !(state.batches === 0 && admitted.length === 0)) break;
      admitted.push(p.sealed.shift()!);
      room -= size;
      incoming -= size;
    }
    if (p.sealed.length > 0 && policy === 'drop_newest') {
      const records = p.sealed.reduce((n, s) => n + s.batch.count, 0);
      for (const s of p.sealed.splice(0)) s.gate.resolve();
      this.countDropped(p.partition, 'buffer_full', records);
      this.options.logger.warn({ partition: p.partition, records }, 'buffer full: dropped new records (when_full: drop_newest)');
    }
    const wasBlocked = p.blocked;
    p.blocked = p.sealed.length > 0;
    if (p.blocked && !wasBlocked) this.options.logger.warn({ partition: p.partition, capBytes: this.capPerPartition }, 'buffer full: holding new records until the hub acknowledges older ones (when_full: block)');
    return admitted;
  }

  /** Deletes acknowledged batches, oldest first, until `needBytes` are freed. */
  private freeAcknowledged(partition: number, needBytes: number): void {
    const acknowledged = this.acknowledgedOffset(partition);
    let freed = 0;
    this.store.deleteOldest(partition, (b) => {
      const go = freed < needBytes && b.baseOffset + b.count <= acknowledged;
      if (go) freed += b.bytes;
      return go;
    });
  }

  private acknowledgedOffset(partition: number): number {
    const state = this.store.state(partition);
    if (this.options.ackCursors.length === 0) return state.nextOffset;
    let min = state.nextOffset;
    for (const name of this.options.ackCursors) min = Math.min(min, this.store.cursor(name, partition) ?? state.startOffset);
    return min;
  }

  private countDropped(partition: number, reason: DropReason, records: number): void {
    if (records === 0) return;
    this.droppedCounters[partition]![reason].inc(records);
    try {
      this.store.countDropped(partition, reason, records);
    } catch (error) {
      this.options.logger.error({ err: error, partition, reason, records }, 'could not persist a drop count');
    }
  }

  private requeue(batches: SealedBatch[]): void {
    for (let i = batches.length - 1; i >= 0; i--) {
      const s = batches[i]!;
      this.parts[s.batch.partition]!.sealed.unshift(s);
    }
  }

  private scheduleRetry(error: unknown): void {
    const diskFull = (error as { code?: string }).code === 'ERR_LOG_DISK_FULL';
    this.commitErrors[diskFull ? 'disk_full' : 'error'].inc();
    this.retryDelayMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.retryDelayMs * 2));
    this.options.logger.error({ err: error, retryInMs: this.retryDelayMs }, `log commit failed: ${errorMessage(error)}; records stay buffered and unacknowledged`);
    if (diskFull) {
      for (const p of this.parts) {
        try {
          this.freeAcknowledged(p.partition, Number.MAX_SAFE_INTEGER);
        } catch {
          // Deleting can itself fail on a full disk; the retry will try again.
        }
      }
    }
    if (this.closed || this.retryTimer) return;
    this.clearCommitTimer();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.commit();
    }, this.retryDelayMs);
  }

  /** Age retention of acknowledged batches and a retry of blocked partitions. */
  private maintain(): void {
    const oldest = Date.now() - this.options.maxAgeMs;
    try {
      for (const p of this.parts) {
        const acknowledged = this.acknowledgedOffset(p.partition);
        this.store.deleteOldest(p.partition, (b) => b.appendTs < oldest && b.baseOffset + b.count <= acknowledged);
      }
    } catch (error) {
      this.options.logger.error({ err: error }, 'retention failed; will retry');
    }
    if (this.parts.some((p) => p.blocked)) this.scheduleCommit();
  }
}
