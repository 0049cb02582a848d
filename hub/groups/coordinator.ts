import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type Database from 'better-sqlite3';
import { TributaryError } from '../../core/errors.js';
import type { LogStore } from '../../core/log/store.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import { assignPartitions } from './assignor.js';
import { GroupOffsets } from './offsets.js';

/** Where a group without a committed offset on a partition starts: the oldest record kept, or the log end. */
export type OffsetReset = 'earliest' | 'latest';

/** The only topic for now: the hub log. */
export const RECORDS_TOPIC = 'records';

export const MIN_SESSION_TIMEOUT_MS = 100;
export const MAX_SESSION_TIMEOUT_MS = 300_000;
const REBALANCE_HEARTBEAT_MS = 100;
const MEMBER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CoordinatorOptions {
  /** The hub database: `group_offsets` lives there, next to the log. */
  database: Database.Database;
  /** Topics by name; their partitions are what groups share. */
  topics: Record<string, LogStore>;
  logger: Logger;
  metrics: Metrics;
  /** Session timeout of members that do not ask for one. */
  sessionTimeoutMs: number;
  /** How long an owner may take to revoke a partition it was asked to give up before it is expired. */
  rebalanceTimeoutMs: number;
  /** Reset policy of groups whose first member does not choose one. */
  offsetReset: OffsetReset;
  /** Clock (tests). */
  now?: () => number;
  /** How often members are checked for expiry; 0 = never (tests call `expireMembers`). */
  checkIntervalMs?: number;
  /** How often lag gauges are refreshed; 0 = never. */
  lagIntervalMs?: number;
}

export interface JoinOptions {
  /** Rejoin as this member (e.g. after a hub restart); a new id is generated when absent. */
  memberId?: string;
  /** A stable id of the instance (Kafka's group.instance.id): rejoining within the session timeout keeps its partitions. */
  staticId?: string;
  sessionTimeoutMs?: number;
  topic?: string;
  /** Used when this join creates the group. */
  offsetReset?: OffsetReset;
}

/** A partition granted to a member: consume from `offset`, commit with `lease`. */
export interface Grant {
  topic: string;
  partition: number;
  lease: number;
  /** The group's committed offset (next record to consume) when the lease was granted. */
  offset: number;
}

/** What a member learns from a join or heartbeat. */
export interface MemberAssignment {
  memberId: string;
  /** Rebalance counter of the group. */
  epoch: number;
  /** Every partition the member owns now, with its lease. */
  assignment: Grant[];
  /** Partitions to give up: finish the batch in hand, commit, then leave them out of the next heartbeat. */
  revoke: number[];
  /** Partitions assigned to the member, waiting for their previous owner to revoke them. */
  pending: number[];
  heartbeatIntervalMs: number;
}

export interface PartitionLag {
  partition: number;
  /** Member owning it now, with its lease. */
  owner?: string;
  lease?: number;
  /** Member it is assigned to (differs from `owner` during a rebalance). */
  assignedTo?: string;
  committedOffset?: number;
  committedAt?: number;
  logStart: number;
  logEnd: number;
  /** Records between the committed offset and the log end. */
  lagRecords: number;
  /** Now minus the append time of the first uncommitted batch; 0 when caught up. */
  lagMs: number;
}

export interface MemberDescription {
  memberId: string;
  staticId?: string;
  sessionTimeoutMs: number;
  lastHeartbeatAt: number;
  owned: { partition: number; lease: number }[];
  assigned: number[];
}

export interface GroupDescription {
  group: string;
  topic: string;
  offsetReset: OffsetReset;
  epoch: number;
  /** The group's generation: its epoch, bumped by each rebalance (what members get as `epoch`). */
  generation: number;
  /** Rebalances since the hub started (membership lives in memory, so a restart starts again from 0). */
  rebalances: number;
  members: MemberDescription[];
  partitions: PartitionLag[];
}

interface Member {
  id: string;
  staticId?: string;
  sessionTimeoutMs: number;
  lastSeen: number;
  /** When each partition it still owns was first asked back. */
  revokeAskedAt: Map<number, number>;
  /** `Group.changes` when it last got an assignment: news after that makes it heartbeat early. */
  seenChanges: number;
}

interface Group {
  name: string;
  topic: string;
  store: LogStore;
  offsetReset: OffsetReset;
  epoch: number;
  members: Map<string, Member>;
  staticIds: Map<string, string>;
  /** The single owner of each owned partition: a map, so two owners cannot exist. */
  owners: Map<number, { memberId: string; lease: number }>;
  target: Map<number, string>;
  /** Counts changes of owners or targets (see `notifyChanged`). */
  changes: number;
  /** Rebalances (target assignment changes) since the hub started. */
  rebalances: number;
}

/**
 * The consumer group coordinator (KIP-848 style): members heartbeat, the coordinator computes a sticky,
 * balanced target assignment and grants a partition only once its previous owner has revoked it or expired.
 * Every grant bumps a durable lease; commits count only from the owner with the current lease.
 * Membership lives in memory; offsets and leases in `group_offsets`. Emits `changed` (group) when
 * partitions are freed or the target moves, so in-process members can heartbeat at once.
 */
export class GroupCoordinator extends EventEmitter<{ changed: [group: string] }> {
  private readonly groups = new Map<string, Group>();
  readonly offsets: GroupOffsets;
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: CoordinatorOptions) {
    super();
    // one listener per long-polling fetch
    this.setMaxListeners(0);
    this.offsets = new GroupOffsets(options.database);
    this.now = options.now ?? Date.now;
    const check = options.checkIntervalMs ?? 100;
    if (check > 0) this.timers.push(setInterval(() => this.expireMembers(), check));
    const lag = options.lagIntervalMs ?? 5000;
    if (lag > 0) this.timers.push(setInterval(() => this.refreshLagMetrics(), lag));
    for (const t of this.timers) t.unref();
  }

  /** Stops the timers; membership is forgotten with the process. */
  close(): void {
    for (const t of this.timers) clearInterval(t);
  }

  /** Adds a member (or takes back a static member's place) and returns its first assignment. */
  join(groupName: string, options: JoinOptions = {}): MemberAssignment {
    const topic = options.topic ?? RECORDS_TOPIC;
    const sessionTimeoutMs = options.sessionTimeoutMs ?? this.options.sessionTimeoutMs;
    if (!Number.isInteger(sessionTimeoutMs) || sessionTimeoutMs < MIN_SESSION_TIMEOUT_MS || sessionTimeoutMs > MAX_SESSION_TIMEOUT_MS) {
      throw new TributaryError('ERR_GROUP_SESSION_TIMEOUT', `session timeout ${sessionTimeoutMs} ms is out of range: give an integer from ${MIN_SESSION_TIMEOUT_MS} to ${MAX_SESSION_TIMEOUT_MS}`);
    }
    for (const id of [options.memberId, options.staticId]) {
      if (id !== undefined && !MEMBER_ID_PATTERN.test(id)) throw new TributaryError('ERR_GROUP_MEMBER_ID', `member id ${JSON.stringify(id)} is invalid: use 1 to 128 letters, digits, '.', '_', ':' or '-'`);
    }
    const group = this.groupFor(groupName, topic, options.offsetReset);
    if (group.topic !== topic) throw new TributaryError('ERR_GROUP_TOPIC', `group ${groupName} consumes topic ${group.topic}, not ${topic}: use another group name`);
    const now = this.now();
    const previousStatic = options.staticId === undefined ? undefined : group.members.get(group.staticIds.get(options.staticId) ?? '');
    const existing = options.memberId === undefined ? undefined : group.members.get(options.memberId);
    if (existing && existing !== previousStatic) {
      // A member that joins again holds nothing, whatever the coordinator thought.
      existing.sessionTimeoutMs = sessionTimeoutMs;
      existing.lastSeen = now;
      this.releaseAll(group, existing);
      return this.respond(group, existing);
    }
    const member: Member = { id: options.memberId ?? randomUUID(), sessionTimeoutMs, lastSeen: now, revokeAskedAt: new Map(), seenChanges: 0 };
    if (options.staticId !== undefined) member.staticId = options.staticId;
    if (previousStatic) {
      this.takeOverStatic(group, previousStatic, member);
    } else {
      group.members.set(member.id, member);
      if (member.staticId !== undefined) group.staticIds.set(member.staticId, member.id);
      this.rebalance(group);
    }
    this.options.logger.info({ group: group.name, member: member.id, staticId: member.staticId, members: group.members.size }, 'group member joined');
    return this.respond(group, member);
  }

  /** A member's heartbeat: `owned` lists the partitions it still holds (a partition left out is released). */
  heartbeat(groupName: string, memberId: string, owned: readonly number[]): MemberAssignment {
    const { group, member } = this.memberOf(groupName, memberId);
    member.lastSeen = this.now();
    const holds = new Set(owned);
    let freed = false;
    for (const [partition, owner] of group.owners) {
      if (owner.memberId === member.id && !holds.has(partition)) {
        this.release(group, member, partition);
        freed = true;
      }
    }
    const response = this.respond(group, member);
    // Partitions it claims without holding them (fenced, e.g. after it was expired): give them up.
    for (const partition of holds) if (group.owners.get(partition)?.memberId !== member.id && !response.revoke.includes(partition)) response.revoke.push(partition);
    if (freed) this.notifyChanged(group);
    return response;
  }

  /** Removes a member at once; its partitions are free for the others. */
  leave(groupName: string, memberId: string): void {
    const { group, member } = this.memberOf(groupName, memberId);
    this.remove(group, member, 'left');
  }

  /** Expires members whose session timed out or that did not revoke in time; returns their ids. */
  expireMembers(now = this.now()): string[] {
    const expired: string[] = [];
    for (const group of this.groups.values()) {
      for (const member of [...group.members.values()]) {
        const late = [...member.revokeAskedAt.values()].some((at) => now - at > this.options.rebalanceTimeoutMs);
        if (now - member.lastSeen > member.sessionTimeoutMs || late) {
          this.remove(group, member, late ? 'rebalance_timeout' : 'session_timeout');
          expired.push(member.id);
        }
      }
    }
    return expired;
  }

  /** Throws ERR_GROUP_UNKNOWN_MEMBER, ERR_GROUP_NOT_OWNER or ERR_GROUP_STALE_LEASE unless the member holds the partition with this lease. Synchronous: safe inside a caller's transaction. */
  validateLease(groupName: string, memberId: string, partition: number, lease: number): void {
    const { group } = this.memberOf(groupName, memberId);
    this.checkPartition(group, partition);
    const owner = group.owners.get(partition);
    if (owner === undefined || owner.memberId !== memberId) {
      throw new TributaryError('ERR_GROUP_NOT_OWNER', `member ${memberId} does not own partition ${partition} of group ${groupName} (${owner ? 'another member owns it' : 'it is not granted to anyone'}): it was reassigned; stop consuming it and heartbeat for the current assignment`);
    }
    if (owner.lease !== lease) {
      throw new TributaryError('ERR_GROUP_STALE_LEASE', `lease ${lease} of partition ${partition} in group ${groupName} is stale (current: ${owner.lease}): the partition was granted again since; consume from the offset of the current grant`);
    }
  }

  /** Validates the lease and writes the committed offset, in the caller's transaction (none is opened). */
  commitInTransaction(groupName: string, memberId: string, partition: number, lease: number, offset: number): void {
    this.validateLease(groupName, memberId, partition, lease);
    const group = this.groups.get(groupName)!;
    const end = group.store.state(partition).nextOffset;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > end) {
      throw new TributaryError('ERR_GROUP_BAD_OFFSET', `offset ${offset} is outside partition ${partition} (0 to the log end ${end}): commit the offset of the next record to consume`);
    }
    this.offsets.writeOffset(groupName, group.topic, partition, offset, this.now());
  }

  /** Commits the next offset to consume for a partition the member holds with `lease`. */
  commit(groupName: string, memberId: string, partition: number, lease: number, offset: number): void {
    try {
      this.offsets.transaction(() => this.commitInTransaction(groupName, memberId, partition, lease, offset));
      this.options.metrics.inc('tributary_group_commits_total', { group: groupName, result: 'ok' });
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'error';
      this.options.metrics.inc('tributary_group_commits_total', { group: groupName, result: code === 'ERR_GROUP_STALE_LEASE' ? 'stale_lease' : code === 'ERR_GROUP_NOT_OWNER' ? 'not_owner' : 'refused' });
      throw error;
    }
  }

  /**
   * Whether a member has news since its last heartbeat: a partition it holds moves away, a free partition
   * waits for it, or it is unknown. News it was already told of does not count again (no busy loop).
   */
  shouldHeartbeat(groupName: string, memberId: string): boolean {
    const group = this.groups.get(groupName);
    const member = group?.members.get(memberId);
    if (!group || !member) return true;
    if (member.seenChanges >= group.changes) return false;
    for (const [partition, owner] of group.owners) if (owner.memberId === memberId && group.target.get(partition) !== memberId) return true;
    for (const [partition, id] of group.target) if (id === memberId && !group.owners.has(partition)) return true;
    return false;
  }

  /** Counts records a member of the group could not read because retention deleted them. */
  countLost(groupName: string, records: number): void {
    if (records > 0) this.options.metrics.inc('tributary_group_lost_records_total', { group: groupName }, records);
  }

  /** Whether a group has members now or committed offsets. */
  has(groupName: string): boolean {
    return this.groups.has(groupName) || this.offsets.groups().includes(groupName);
  }

  /** Members of a group now (0 for a group known only by its offsets). */
  memberCount(groupName: string): number {
    return this.groups.get(groupName)?.members.size ?? 0;
  }

  /** Names of the groups with members or committed offsets. */
  list(): string[] {
    return [...new Set([...this.groups.keys(), ...this.offsets.groups()])].sort();
  }

  /** Members, assignment, committed offsets and lag per partition. Throws ERR_GROUP_UNKNOWN for a group never seen. */
  describe(groupName: string): GroupDescription {
    if (!this.has(groupName)) throw new TributaryError('ERR_GROUP_UNKNOWN', `no group ${groupName}: it has no members and no committed offsets`);
    const group = this.groups.get(groupName);
    const topic = group?.topic ?? RECORDS_TOPIC;
    const store = this.topicStore(topic);
    const rows = this.offsets.rows(groupName, topic);
    const now = this.now();
    const partitions: PartitionLag[] = [];
    for (let p = 0; p < store.partitions; p++) {
      const state = store.state(p);
      const row = rows.get(p);
      const committed = row?.offset;
      const position = committed ?? ((group?.offsetReset ?? this.options.offsetReset) === 'latest' ? state.nextOffset : state.startOffset);
      const lagRecords = Math.max(0, state.nextOffset - position);
      const lag: PartitionLag = { partition: p, logStart: state.startOffset, logEnd: state.nextOffset, lagRecords, lagMs: lagRecords > 0 ? this.lagMs(store, p, Math.max(position, state.startOffset), now) : 0 };
      const owner = group?.owners.get(p);
      if (owner) Object.assign(lag, { owner: owner.memberId, lease: owner.lease });
      const target = group?.target.get(p);
      if (target !== undefined) lag.assignedTo = target;
      if (committed !== undefined) lag.committedOffset = committed;
      if (row?.committedAt !== undefined) lag.committedAt = row.committedAt;
      partitions.push(lag);
    }
    const members: MemberDescription[] = [...(group?.members.values() ?? [])].map((m) => {
      const description: MemberDescription = {
        memberId: m.id,
        sessionTimeoutMs: m.sessionTimeoutMs,
        lastHeartbeatAt: m.lastSeen,
        owned: [...group!.owners].filter(([, o]) => o.memberId === m.id).map(([partition, o]) => ({ partition, lease: o.lease })).sort((a, b) => a.partition - b.partition),
        assigned: [...group!.target].filter(([, id]) => id === m.id).map(([p]) => p).sort((a, b) => a - b),
      };
      if (m.staticId !== undefined) description.staticId = m.staticId;
      return description;
    });
    const epoch = group?.epoch ?? 0;
    return { group: groupName, topic, offsetReset: group?.offsetReset ?? this.options.offsetReset, epoch, generation: epoch, rebalances: group?.rebalances ?? 0, members, partitions };
  }

  /** Sets `tributary_group_lag_records` / `_lag_seconds` and `tributary_group_members` for every group. */
  refreshLagMetrics(): void {
    const m = this.options.metrics;
    for (const name of this.list()) {
      try {
        const d = this.describe(name);
        m.set('tributary_group_members', { group: name }, d.members.length);
        for (const p of d.partitions) {
          const labels = { group: name, partition: String(p.partition) };
          m.set('tributary_group_lag_records', labels, p.lagRecords);
          m.set('tributary_group_lag_seconds', labels, p.lagMs / 1000);
        }
      } catch (error) {
        this.options.logger.warn({ err: error, group: name }, 'could not compute group lag');
      }
    }
  }

  /** The log store of a topic; throws ERR_GROUP_UNKNOWN_TOPIC. */
  topicStore(topic: string): LogStore {
    const store = this.options.topics[topic];
    if (!store) throw new TributaryError('ERR_GROUP_UNKNOWN_TOPIC', `no topic ${topic}: the hub has ${Object.keys(this.options.topics).join(', ')}`);
    return store;
  }

  private groupFor(name: string, topic: string, offsetReset: OffsetReset | undefined): Group {
    let group = this.groups.get(name);
    if (!group) {
      if (!MEMBER_ID_PATTERN.test(name)) throw new TributaryError('ERR_GROUP_NAME', `group name ${JSON.stringify(name)} is invalid: use 1 to 128 letters, digits, '.', '_', ':' or '-'`);
      group = { name, topic, store: this.topicStore(topic), offsetReset: offsetReset ?? this.options.offsetReset, epoch: 0, members: new Map(), staticIds: new Map(), owners: new Map(), target: new Map(), changes: 0, rebalances: 0 };
      this.groups.set(name, group);
    }
    return group;
  }

  private memberOf(groupName: string, memberId: string): { group: Group; member: Member } {
    const group = this.groups.get(groupName);
    const member = group?.members.get(memberId);
    if (!group || !member) throw new TributaryError('ERR_GROUP_UNKNOWN_MEMBER', `member ${memberId} is not in group ${groupName} (it left, its session expired, or the hub restarted): join again`);
    return { group, member };
  }

  private checkPartition(group: Group, partition: number): void {
    if (!Number.isInteger(partition) || partition < 0 || partition >= group.store.partitions) {
      throw new TributaryError('ERR_GROUP_UNKNOWN_PARTITION', `topic ${group.topic} has partitions 0 to ${group.store.partitions - 1}, not ${partition}`);
    }
  }

  /** The assignment part of a heartbeat answer; grants the member's target partitions that are free. */
  private respond(group: Group, member: Member): MemberAssignment {
    const toGrant = [...group.target].filter(([p, id]) => id === member.id && !group.owners.has(p)).map(([p]) => p);
    if (toGrant.length > 0) this.grant(group, member, toGrant);
    const now = this.now();
    const assignment: Grant[] = [];
    const revoke: number[] = [];
    for (const [partition, owner] of group.owners) {
      if (owner.memberId !== member.id) continue;
      assignment.push({ topic: group.topic, partition, lease: owner.lease, offset: this.offsets.row(group.name, group.topic, partition).offset ?? 0 });
      if (group.target.get(partition) !== member.id) {
        revoke.push(partition);
        if (!member.revokeAskedAt.has(partition)) member.revokeAskedAt.set(partition, now);
      }
    }
    const pending = [...group.target].filter(([p, id]) => id === member.id && group.owners.get(p)?.memberId !== member.id).map(([p]) => p);
    const stable = Math.min(1000, Math.floor(member.sessionTimeoutMs / 3));
    const heartbeatIntervalMs = revoke.length > 0 || pending.length > 0 ? Math.min(stable, REBALANCE_HEARTBEAT_MS) : stable;
    member.seenChanges = group.changes;
    return { memberId: member.id, epoch: group.epoch, assignment: assignment.sort((a, b) => a.partition - b.partition), revoke: revoke.sort((a, b) => a - b), pending: pending.sort((a, b) => a - b), heartbeatIntervalMs };
  }

  /** Grants free partitions with fresh leases, resolving the reset policy where nothing was committed; one transaction. */
  private grant(group: Group, member: Member, partitions: number[]): void {
    const now = this.now();
    const granted = this.offsets.transaction(() =>
      partitions.map((partition) => {
        const lease = this.offsets.nextLease(group.name, group.topic, partition);
        if (this.offsets.row(group.name, group.topic, partition).offset === undefined) {
          const state = group.store.state(partition);
          this.offsets.writeOffset(group.name, group.topic, partition, group.offsetReset === 'latest' ? state.nextOffset : state.startOffset, now);
        }
        return { partition, lease };
      }),
    );
    for (const { partition, lease } of granted) group.owners.set(partition, { memberId: member.id, lease });
    this.options.metrics.inc('tributary_group_grants_total', { group: group.name }, granted.length);
  }

  private release(group: Group, member: Member, partition: number): void {
    if (group.owners.get(partition)?.memberId === member.id) group.owners.delete(partition);
    member.revokeAskedAt.delete(partition);
  }

  private releaseAll(group: Group, member: Member): void {
    for (const [partition, owner] of [...group.owners]) if (owner.memberId === member.id) this.release(group, member, partition);
    this.notifyChanged(group);
  }

  private remove(group: Group, member: Member, reason: string): void {
    this.releaseAll(group, member);
    group.members.delete(member.id);
    if (member.staticId !== undefined && group.staticIds.get(member.staticId) === member.id) group.staticIds.delete(member.staticId);
    this.options.logger.info({ group: group.name, member: member.id, reason, members: group.members.size }, 'group member removed');
    this.options.metrics.inc('tributary_group_members_removed_total', { group: group.name, reason });
    this.rebalance(group);
  }

  /** A static member back within its session timeout: the new instance takes the old one's place and partitions (with new leases, fencing the old instance); the others keep theirs. */
  private takeOverStatic(group: Group, previous: Member, member: Member): void {
    const held = [...group.owners].filter(([, o]) => o.memberId === previous.id).map(([p]) => p);
    for (const p of held) group.owners.delete(p);
    for (const [p, id] of group.target) if (id === previous.id) group.target.set(p, member.id);
    group.members.delete(previous.id);
    group.members.set(member.id, member);
    group.staticIds.set(member.staticId!, member.id);
    if (held.length > 0) this.grant(group, member, held);
    this.options.logger.info({ group: group.name, member: member.id, replaced: previous.id, staticId: member.staticId }, 'static member rejoined: keeps its partitions');
  }

  /** Members long-polling a fetch hear of it at once (see `shouldHeartbeat`). */
  private notifyChanged(group: Group): void {
    group.changes += 1;
    this.emit('changed', group.name);
  }

  private rebalance(group: Group): void {
    const target = assignPartitions(group.store.partitions, [...group.members.keys()], group.target);
    const changed = target.size !== group.target.size || [...target].some(([p, id]) => group.target.get(p) !== id);
    group.target = target;
    if (!changed) return;
    group.epoch += 1;
    group.rebalances += 1;
    this.options.metrics.inc('tributary_group_rebalances_total', { group: group.name });
    this.notifyChanged(group);
  }

  private lagMs(store: LogStore, partition: number, offset: number, now: number): number {
    const first = store.read(partition, offset, 1).batches[0];
    return first ? Math.max(0, now - first.appendTs) : 0;
  }
}
