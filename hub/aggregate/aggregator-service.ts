import { errorMessage } from '../../core/errors.js';
import type { SqliteLogStore } from '../../core/log/sqlite-store.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import { LocalMember } from '../groups/local-member.js';
import type { AppendNotifier } from '../groups/notifier.js';
import type { AggregateSettings } from './config.js';
import { PartitionAggregator } from './engine.js';
import { readInto } from './reader.js';
import { deleteExpiredWindows } from './store.js';
import { windowUpdate, type AggregateListener } from './updates.js';

/** The consumer group the built-in aggregator's members join. */
export const AGGREGATOR_GROUP = 'tributary-aggregator';

/** Errors of a flush meaning the partition is no longer this member's: drop it, the new owner resumes from the committed offset. */
const LOST_OWNERSHIP = new Set(['ERR_GROUP_STALE_LEASE', 'ERR_GROUP_NOT_OWNER', 'ERR_GROUP_UNKNOWN_MEMBER']);
const HOUR_MS = 3_600_000;
/** Aggregation time per event-loop turn, shared by all partitions (each reads at least one slice of the log per step). */
const TURN_BUDGET_MS = 20;
/** Log bytes read per slice: small enough that one slice stays within the turn budget (~1,000 records of 100 bytes). */
const READ_BYTES = 128 * 1024;

export interface AggregatorServiceOptions {
  store: SqliteLogStore;
  coordinator: GroupCoordinator;
  notifier: AppendNotifier;
  settings: AggregateSettings;
  logger: Logger;
  metrics: Metrics;
  /** Flush (commit) once this many records were consumed since the last flush; default 50,000 (what a crash makes it read again; a flush is one durable transaction, and fewer flushes rewrite fewer open windows). */
  flushRecords?: number;
  /** Flush what was consumed at least this often; default 1000 ms. */
  flushIntervalMs?: number;
  /** Looks at the log end this often besides the append notifications; default 200 ms. */
  pollMs?: number;
}

/** One partition being aggregated by one member. */
interface PartitionLoop {
  member: LocalMember;
  partition: number;
  lease: number;
  aggregator: PartitionAggregator;
  flushedAt: number;
  scheduled: boolean;
  stopped: boolean;
}

/**
 * Runs the built-in aggregator as the consumer group `tributary-aggregator` inside the hub: each
 * member aggregates the partitions it is granted, and every flush writes the results and the
 * group's committed offset in one transaction (a flush under a lost lease rolls back).
 */
export class AggregatorService {
  private readonly members: LocalMember[] = [];
  private readonly loops = new Map<LocalMember, Map<number, PartitionLoop>>();
  private readonly flushRecords: number;
  private readonly flushIntervalMs: number;
  private poll: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private abandoned = false;
  private readonly onAppended = () => this.scheduleAll();
  private readonly listeners = new Set<AggregateListener>();
  private running = false;

  constructor(private readonly options: AggregatorServiceOptions) {
    this.flushRecords = options.flushRecords ?? 50_000;
    this.flushIntervalMs = options.flushIntervalMs ?? 1000;
  }

  /** Calls `listener` with the windows of every committed flush; returns the function that stops it. */
  onCommitted(listener: AggregateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether the aggregator consumes now (started, enabled, not stopped); readiness. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Members' partitions now: member id → partitions it aggregates. */
  assignment(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [member, loops] of this.loops) out[member.memberId ?? '?'] = [...loops.keys()].sort((a, b) => a - b);
    return out;
  }

  /** Joins `settings.members` members (when enabled) and starts the timers; resolves once each has its first assignment. */
  async start(): Promise<void> {
    const { settings, logger } = this.options;
    if (!settings.enabled) return;
    this.options.notifier.on('appended', this.onAppended);
    this.poll = setInterval(() => this.scheduleAll(), this.options.pollMs ?? 200);
    this.poll.unref();
    this.deleteExpired();
    this.expiry = setInterval(() => this.deleteExpired(), HOUR_MS);
    this.expiry.unref();
    for (let i = 0; i < settings.members; i++) {
      const loops = new Map<number, PartitionLoop>();
      const member: LocalMember = new LocalMember(this.options.coordinator, {
        group: AGGREGATOR_GROUP,
        staticId: `aggregator-${i}`,
        offsetReset: 'earliest',
        logger: logger.child({ member: `aggregator-${i}` }),
        onAssigned: (partition, lease, fromOffset) => this.assigned(member, loops, partition, lease, fromOffset),
        onRevoked: (partition) => this.revoked(loops, partition),
      });
      this.loops.set(member, loops);
      this.members.push(member);
      await member.start();
    }
    this.running = true;
    logger.info({ members: settings.members, windowsMs: settings.windowsMs }, `aggregator started (${settings.members} member${settings.members === 1 ? '' : 's'})`);
  }

  /** Flushes (commits) what was consumed and leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopTimers();
    for (const member of this.members) {
      try {
        await member.stop();
      } catch (error) {
        this.options.logger.error({ err: error }, `stopping an aggregator member: ${errorMessage(error)}`);
      }
    }
    this.members.length = 0;
  }

  /** Stops at once without flushing, as a crash would: whatever was consumed since the last flush is consumed again later. */
  abandon(): void {
    this.abandoned = true;
    this.running = false;
    this.stopTimers();
    for (const loops of this.loops.values()) {
      for (const loop of loops.values()) loop.stopped = true;
      loops.clear();
    }
  }

  private stopTimers(): void {
    clearInterval(this.poll);
    clearInterval(this.expiry);
    this.options.notifier.off('appended', this.onAppended);
  }

  private assigned(member: LocalMember, loops: Map<number, PartitionLoop>, partition: number, lease: number, fromOffset: number): void {
    if (this.abandoned) return;
    const previous = loops.get(partition);
    if (previous) previous.stopped = true;
    const { store, settings, metrics } = this.options;
    const aggregator = new PartitionAggregator(store.database, settings, { partition, committedOffset: fromOffset, metrics, transaction: (fn) => store.transaction(fn) });
    const loop: PartitionLoop = { member, partition, lease, aggregator, flushedAt: Date.now(), scheduled: false, stopped: false };
    loops.set(partition, loop);
    this.schedule(loop);
  }

  private revoked(loops: Map<number, PartitionLoop>, partition: number): void {
    const loop = loops.get(partition);
    loops.delete(partition);
    if (loop === undefined || loop.stopped) return;
    loop.stopped = true;
    // The lease is still ours until this returns: commit what was processed so the next owner goes on from there.
    if (loop.aggregator.position > loop.aggregator.committed) this.flush(loop, loops);
  }

  private activeLoops(): number {
    let n = 0;
    for (const loops of this.loops.values()) n += loops.size;
    return n;
  }

  private scheduleAll(): void {
    for (const loops of this.loops.values()) for (const loop of loops.values()) this.schedule(loop);
  }

  private schedule(loop: PartitionLoop): void {
    if (loop.scheduled || loop.stopped) return;
    loop.scheduled = true;
    setImmediate(() => {
      loop.scheduled = false;
      this.step(loop);
    });
  }

  /** Reads what is new for a while (yielding to the event loop between slices) and flushes when due. */
  private step(loop: PartitionLoop): void {
    if (loop.stopped) return;
    const { store, metrics, logger } = this.options;
    const loops = this.loops.get(loop.member)!;
    const aggregator = loop.aggregator;
    // All partitions together take at most TURN_BUDGET_MS per event-loop turn: the broker and the API stay responsive during a catch-up.
    const sliceEnd = performance.now() + TURN_BUDGET_MS / Math.max(1, this.activeLoops());
    let atEnd = false;
    try {
      while (!atEnd && performance.now() < sliceEnd) {
        atEnd = readInto(aggregator, store, { metrics, logger, maxBytes: READ_BYTES }).atEnd;
        if (aggregator.position - aggregator.committed >= this.flushRecords && !this.flush(loop, loops)) return;
      }
    } catch (error) {
      metrics.inc('tributary_aggregate_errors_total', { partition: String(loop.partition), reason: 'read' });
      logger.error({ err: error, partition: loop.partition }, `aggregator: reading partition ${loop.partition} failed: ${errorMessage(error)}; retrying from the committed offset`);
      aggregator.reset();
      return;
    }
    if (aggregator.position > aggregator.committed && Date.now() - loop.flushedAt >= this.flushIntervalMs && !this.flush(loop, loops)) return;
    if (!atEnd) this.schedule(loop);
  }

  /** Flushes results and offset in one transaction; false when it failed (the aggregator is back at the committed offset). */
  private flush(loop: PartitionLoop, loops: Map<number, PartitionLoop>): boolean {
    const { coordinator, metrics, logger } = this.options;
    const memberId = loop.member.memberId;
    try {
      const { written } = loop.aggregator.flush((_db, nextOffset) => coordinator.commitInTransaction(AGGREGATOR_GROUP, memberId ?? '', loop.partition, loop.lease, nextOffset));
      loop.flushedAt = Date.now();
      if (written.length > 0 && this.listeners.size > 0) this.tellListeners(written.map(windowUpdate));
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      const lost = LOST_OWNERSHIP.has(code);
      metrics.inc('tributary_aggregate_errors_total', { partition: String(loop.partition), reason: lost ? 'lost_partition' : 'flush' });
      if (lost) {
        // Rolled back: the partition's new owner resumes from the committed offset.
        logger.warn({ partition: loop.partition, member: memberId, code }, `aggregator: partition ${loop.partition} is no longer this member's; dropping its uncommitted work`);
        loop.stopped = true;
        if (loops.get(loop.partition) === loop) loops.delete(loop.partition);
      } else {
        logger.error({ err: error, partition: loop.partition }, `aggregator: flush of partition ${loop.partition} failed: ${errorMessage(error)}; retrying from the committed offset`);
      }
      return false;
    }
  }

  private tellListeners(updates: ReturnType<typeof windowUpdate>[]): void {
    for (const listener of this.listeners) {
      try {
        listener(updates);
      } catch (error) {
        this.options.metrics.inc('tributary_aggregate_errors_total', { partition: 'all', reason: 'listener' });
        this.options.logger.error({ err: error }, `aggregator: a listener of committed windows failed: ${errorMessage(error)}`);
      }
    }
  }

  private deleteExpired(): void {
    try {
      const deleted = deleteExpiredWindows(this.options.store.database, this.options.settings);
      if (deleted > 0) this.options.logger.info({ deleted }, `aggregator: deleted ${deleted} windows past their retention`);
    } catch (error) {
      this.options.metrics.inc('tributary_aggregate_errors_total', { partition: 'all', reason: 'retention' });
      this.options.logger.error({ err: error }, `aggregator: deleting expired windows failed: ${errorMessage(error)}`);
    }
  }
}
