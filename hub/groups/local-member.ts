import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { GroupCoordinator, MemberAssignment, OffsetReset } from './coordinator.js';

export interface LocalMemberOptions {
  group: string;
  staticId?: string;
  sessionTimeoutMs?: number;
  offsetReset?: OffsetReset;
  /** A partition is now this member's: consume from `fromOffset`, commit with `lease`. */
  onAssigned(partition: number, lease: number, fromOffset: number): void | Promise<void>;
  /** Give the partition up: finish (and commit) what is in hand; the coordinator hears of it when this resolves. */
  onRevoked(partition: number): void | Promise<void>;
  logger: Logger;
}

/**
 * A group member living in the hub process (the aggregator): heartbeats on the coordinator's suggested
 * interval and at once when the group changes, and turns the answers into onAssigned / onRevoked calls.
 * Commit with `coordinator.commitInTransaction(group, memberId, partition, lease(partition), offset)`.
 */
export class LocalMember {
  private id: string | undefined;
  private readonly leases = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly onChanged = (group: string) => {
    if (group === this.options.group) this.beatSoon(0);
  };

  constructor(
    private readonly coordinator: GroupCoordinator,
    private readonly options: LocalMemberOptions,
  ) {}

  /** The member id, once joined. */
  get memberId(): string | undefined {
    return this.id;
  }

  /** Lease of a partition this member holds, or undefined. */
  leaseOf(partition: number): number | undefined {
    return this.leases.get(partition);
  }

  /** Partitions held now, with their leases. */
  owned(): ReadonlyMap<number, number> {
    return this.leases;
  }

  /** Joins the group and starts heartbeating; resolves after the first assignment was handed to onAssigned. */
  async start(): Promise<void> {
    this.coordinator.on('changed', this.onChanged);
    const first = this.coordinator.join(this.options.group, this.joinOptions());
    this.id = first.memberId;
    await this.apply(first);
    this.beatSoon(first.heartbeatIntervalMs);
  }

  /** Runs a heartbeat now (and waits for its callbacks). */
  async heartbeat(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.beatLoop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Revokes everything (awaiting onRevoked) and leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.coordinator.off('changed', this.onChanged);
    await this.running;
    for (const partition of [...this.leases.keys()]) await this.revoke(partition);
    if (this.id !== undefined) {
      try {
        this.coordinator.leave(this.options.group, this.id);
      } catch (error) {
        this.options.logger.warn({ err: error, group: this.options.group }, `leaving the group: ${errorMessage(error)}`);
      }
    }
  }

  private joinOptions() {
    const o = this.options;
    return { ...(this.id === undefined ? {} : { memberId: this.id }), ...(o.staticId === undefined ? {} : { staticId: o.staticId }), ...(o.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: o.sessionTimeoutMs }), ...(o.offsetReset === undefined ? {} : { offsetReset: o.offsetReset }) };
  }

  private async beatLoop(): Promise<void> {
    do {
      this.again = false;
      if (this.stopped || this.id === undefined) return;
      let answer: MemberAssignment;
      try {
        answer = this.coordinator.heartbeat(this.options.group, this.id, [...this.leases.keys()]);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ERR_GROUP_UNKNOWN_MEMBER') throw error;
        this.options.logger.warn({ group: this.options.group, member: this.id }, 'expired from the group: giving up its partitions and joining again');
        for (const partition of [...this.leases.keys()]) await this.revoke(partition);
        answer = this.coordinator.join(this.options.group, this.joinOptions());
        this.id = answer.memberId;
      }
      if (await this.apply(answer)) this.again = true;
      clearTimeout(this.timer);
      if (!this.again) this.beatSoon(answer.heartbeatIntervalMs);
    } while (this.again);
  }

  /** Hands grants and revocations to the callbacks; true when it revoked something (the coordinator must hear of it). */
  private async apply(answer: MemberAssignment): Promise<boolean> {
    let revoked = false;
    for (const partition of answer.revoke) {
      if (this.leases.has(partition)) await this.revoke(partition);
      revoked = true;
    }
    for (const grant of answer.assignment) {
      if (answer.revoke.includes(grant.partition)) continue;
      const held = this.leases.get(grant.partition);
      if (held === grant.lease) continue;
      if (held !== undefined) await this.revoke(grant.partition);
      this.leases.set(grant.partition, grant.lease);
      await this.options.onAssigned(grant.partition, grant.lease, grant.offset);
    }
    return revoked;
  }

  private async revoke(partition: number): Promise<void> {
    try {
      await this.options.onRevoked(partition);
    } finally {
      this.leases.delete(partition);
    }
  }

  private beatSoon(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.heartbeat().catch((error: unknown) => this.options.logger.error({ err: error, group: this.options.group }, `group heartbeat failed: ${errorMessage(error)}`));
    }, delayMs);
    this.timer.unref();
  }
}
