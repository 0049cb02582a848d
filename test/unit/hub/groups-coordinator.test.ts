import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../core/log/batch.js';
import { SqliteLogStore } from '../../../core/log/sqlite-store.js';
import { silentLogger } from '../../../core/logger.js';
import { Metrics } from '../../../core/metrics.js';
import { GroupCoordinator, type MemberAssignment } from '../../../hub/groups/coordinator.js';
import { LocalMember } from '../../../hub/groups/local-member.js';
import { tempDir } from '../../helpers/temp-dir.js';

const PARTITIONS = 8;

/** A well-behaved member: gives up what it is asked to at once and says so in its next heartbeat. */
class SimMember {
  held = new Map<number, number>();
  constructor(
    readonly coordinator: GroupCoordinator,
    readonly id: string,
  ) {}

  heartbeat(): MemberAssignment {
    const answer = this.coordinator.heartbeat('g', this.id, [...this.held.keys()]);
    this.apply(answer);
    return answer;
  }

  apply(answer: MemberAssignment): void {
    for (const p of answer.revoke) this.held.delete(p);
    for (const g of answer.assignment) if (!answer.revoke.includes(g.partition)) this.held.set(g.partition, g.lease);
  }
}

describe('GroupCoordinator', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteLogStore;
  let metrics: Metrics;
  let clock: number;
  let coordinator: GroupCoordinator;
  const open = () => {
    store = new SqliteLogStore({ path: join(dir.path, 'log.db'), partitions: PARTITIONS });
    metrics = new Metrics();
    coordinator = new GroupCoordinator({ database: store.database, topics: { records: store }, logger: silentLogger(), metrics, sessionTimeoutMs: 3000, rebalanceTimeoutMs: 10_000, offsetReset: 'earliest', now: () => clock, checkIntervalMs: 0, lagIntervalMs: 0 });
  };
  const join_ = (staticId?: string): SimMember => {
    const answer = coordinator.join('g', staticId === undefined ? {} : { staticId });
    const member = new SimMember(coordinator, answer.memberId);
    member.apply(answer);
    return member;
  };
  /** Never two owners: from the coordinator's view, and from what the members themselves hold. */
  const checkOwners = (members: SimMember[]) => {
    const d = coordinator.describe('g');
    const owned = d.members.flatMap((m) => m.owned.map((o) => o.partition));
    expect(new Set(owned).size).toBe(owned.length);
    const local = members.flatMap((m) => [...m.held.keys()]);
    expect(new Set(local).size).toBe(local.length);
    for (const m of members) for (const [p, lease] of m.held) expect(() => coordinator.validateLease('g', m.id, p, lease)).not.toThrow();
  };
  /** Heartbeat rounds until nothing is pending; checks the owners after every single heartbeat. */
  const settle = (members: SimMember[]) => {
    for (let round = 0; round < 10; round++) {
      let busy = false;
      for (const m of members) {
        const a = m.heartbeat();
        checkOwners(members);
        busy ||= a.pending.length > 0 || a.revoke.length > 0;
      }
      if (!busy) return round;
    }
    throw new Error('the group did not settle in 10 rounds');
  };
  const append = (partition: number, n: number) => store.append([{ partition, ...encodeBatch(Array.from({ length: n }, (_, i) => ({ key: 'k', ts: i, value: i, attrs: {} }))) }]);

  beforeEach(() => {
    dir = tempDir();
    clock = 1_000_000;
    open();
  });
  afterEach(() => {
    coordinator.close();
    store.close();
    dir.remove();
  });

  it('spreads partitions over members that join and leave, never granting a partition before its owner gave it up', () => {
    const a = join_();
    expect([...a.held.keys()]).toHaveLength(PARTITIONS);
    const b = join_();
    // b's share is pending until a revokes it
    expect(b.held.size).toBe(0);
    checkOwners([a, b]);
    settle([a, b]);
    expect(a.held.size).toBe(4);
    expect(b.held.size).toBe(4);
    const c = join_();
    settle([a, b, c]);
    expect([a.held.size, b.held.size, c.held.size].sort()).toEqual([2, 3, 3]);
    coordinator.leave('g', b.id);
    b.held.clear();
    settle([a, c]);
    expect(a.held.size + c.held.size).toBe(PARTITIONS);
    expect(Math.abs(a.held.size - c.held.size)).toBeLessThanOrEqual(1);
  });

  it('tells a member to heartbeat early only for news since its last heartbeat', () => {
    const a = join_();
    const b = join_();
    settle([a, b]);
    expect(coordinator.shouldHeartbeat('g', a.id)).toBe(false);
    expect(coordinator.shouldHeartbeat('g', b.id)).toBe(false);
    coordinator.leave('g', b.id);
    // b's partitions are free and meant for a: news, until a heartbeats and takes them.
    expect(coordinator.shouldHeartbeat('g', a.id)).toBe(true);
    a.heartbeat();
    expect(a.held.size).toBe(PARTITIONS);
    expect(coordinator.shouldHeartbeat('g', a.id)).toBe(false);
    expect(coordinator.shouldHeartbeat('g', 'no-such-member')).toBe(true);
    // A newcomer: a is asked to revoke half; once told (a heartbeat that still holds them), it is not told again.
    const c = join_();
    expect(coordinator.shouldHeartbeat('g', a.id)).toBe(true);
    const answer = coordinator.heartbeat('g', a.id, [...a.held.keys()]);
    expect(answer.revoke.length).toBe(PARTITIONS / 2);
    expect(coordinator.shouldHeartbeat('g', a.id)).toBe(false);
    expect(c.held.size).toBe(0);
  });

  it('is sticky: a join moves only the partitions the newcomer gets', () => {
    const a = join_();
    const b = join_();
    settle([a, b]);
    const before = new Map<number, string>([...[...a.held.keys()].map((p): [number, string] => [p, 'a']), ...[...b.held.keys()].map((p): [number, string] => [p, 'b'])]);
    const c = join_();
    settle([a, b, c]);
    for (const p of a.held.keys()) expect(before.get(p)).toBe('a');
    for (const p of b.held.keys()) expect(before.get(p)).toBe('b');
  });

  it('expires a member that stops heartbeating and gives its partitions to the others', () => {
    const a = join_();
    const b = join_();
    settle([a, b]);
    clock += 2000;
    a.heartbeat();
    clock += 2000;
    expect(coordinator.expireMembers()).toEqual([b.id]);
    a.heartbeat();
    checkOwners([a]);
    expect(a.held.size).toBe(PARTITIONS);
    expect(() => b.heartbeat()).toThrow(expect.objectContaining({ code: 'ERR_GROUP_UNKNOWN_MEMBER' }));
  });

  it('expires an owner that does not revoke within the rebalance timeout', () => {
    const a = join_();
    const b = join_();
    // a never reports its revocations (it heartbeats with everything it had)
    const all = [...a.held.keys()];
    for (let i = 0; i < 12; i++) {
      clock += 1000;
      coordinator.heartbeat('g', a.id, all);
      b.heartbeat();
      coordinator.expireMembers();
    }
    expect(coordinator.describe('g').members.map((m) => m.memberId)).toEqual([b.id]);
    b.heartbeat();
    expect(b.held.size).toBe(PARTITIONS);
  });

  it('refuses commits from a non-owner and with a stale lease, and accepts the owner\'s', () => {
    for (let p = 0; p < PARTITIONS; p++) append(p, 10);
    const a = join_();
    const leases = new Map(a.held);
    for (const [p, lease] of leases) coordinator.commit('g', a.id, p, lease, 4);
    const b = join_();
    settle([a, b]);
    const moved = [...b.held.keys()][0]!;
    const old = leases.get(moved)!;
    expect(() => coordinator.commit('g', a.id, moved, old, 8)).toThrow(expect.objectContaining({ code: 'ERR_GROUP_NOT_OWNER' }));
    // back to a, under a new lease: a's old lease stays refused
    coordinator.leave('g', b.id);
    b.held.clear();
    settle([a]);
    expect(a.held.get(moved)).toBeGreaterThan(old);
    expect(() => coordinator.commit('g', a.id, moved, old, 8)).toThrow(expect.objectContaining({ code: 'ERR_GROUP_STALE_LEASE' }));
    expect(coordinator.describe('g').partitions[moved]!.committedOffset).toBe(4);
    coordinator.commit('g', a.id, moved, a.held.get(moved)!, 10);
    expect(coordinator.describe('g').partitions[moved]!.committedOffset).toBe(10);
    expect(() => coordinator.commit('g', a.id, moved, a.held.get(moved)!, 11)).toThrow(expect.objectContaining({ code: 'ERR_GROUP_BAD_OFFSET' }));
    expect(() => coordinator.commit('g', a.id, 99, 1, 0)).toThrow(expect.objectContaining({ code: 'ERR_GROUP_UNKNOWN_PARTITION' }));
    expect(() => coordinator.commit('g', 'nobody', 0, 1, 0)).toThrow(expect.objectContaining({ code: 'ERR_GROUP_UNKNOWN_MEMBER' }));
    expect(metrics.get('tributary_group_commits_total', { group: 'g', result: 'stale_lease' })).toBe(1);
    expect(metrics.get('tributary_group_commits_total', { group: 'g', result: 'not_owner' })).toBe(1);
  });

  it('gives a static member that comes back within its session timeout its partitions back, without moving the others', () => {
    const a = join_('instance-a');
    const b = join_('instance-b');
    settle([a, b]);
    const aParts = [...a.held.keys()].sort();
    const bLeases = new Map(b.held);
    const epoch = coordinator.describe('g').epoch;
    // a's process restarts: a new member id, same static id
    clock += 1000;
    const a2 = join_('instance-a');
    expect(a2.id).not.toBe(a.id);
    expect([...a2.held.keys()].sort()).toEqual(aParts);
    for (const [p, lease] of a2.held) expect(lease).toBeGreaterThan(a.held.get(p)!);
    expect(coordinator.describe('g').epoch).toBe(epoch);
    b.heartbeat();
    expect(b.held).toEqual(bLeases);
    // the old instance is fenced
    expect(() => coordinator.commit('g', a.id, aParts[0]!, a.held.get(aParts[0]!)!, 0)).toThrow(expect.objectContaining({ code: 'ERR_GROUP_UNKNOWN_MEMBER' }));
    checkOwners([a2, b]);
  });

  it('keeps committed offsets and lease counters across a restart', () => {
    append(1, 5);
    const a = join_();
    const lease = a.held.get(1)!;
    coordinator.commit('g', a.id, 1, lease, 3);
    coordinator.close();
    store.close();
    open();
    expect(coordinator.list()).toEqual(['g']);
    expect(coordinator.describe('g').partitions[1]!.committedOffset).toBe(3);
    const again = join_();
    expect(again.held.get(1)).toBe(lease + 1);
    expect(coordinator.join('g', { memberId: again.id }).assignment.find((g) => g.partition === 1)!.offset).toBe(3);
  });

  it('starts a new group at the log end with offset_reset latest, and reports lag in records and time', () => {
    append(2, 6);
    const answer = coordinator.join('late', { offsetReset: 'latest' });
    expect(answer.assignment.find((g) => g.partition === 2)!.offset).toBe(6);
    const early = coordinator.join('early');
    expect(early.assignment.find((g) => g.partition === 2)!.offset).toBe(0);
    clock = Date.now() + 5000;
    const lag = coordinator.describe('early').partitions[2]!;
    expect(lag.lagRecords).toBe(6);
    expect(lag.lagMs).toBeGreaterThanOrEqual(4000);
    coordinator.commit('early', early.memberId, 2, early.assignment[2]!.lease, 6);
    expect(coordinator.describe('early').partitions[2]).toMatchObject({ lagRecords: 0, lagMs: 0 });
    coordinator.refreshLagMetrics();
    expect(metrics.get('tributary_group_lag_records', { group: 'early', partition: '2' })).toBe(0);
    expect(metrics.get('tributary_group_lag_records', { group: 'late', partition: '2' })).toBe(0);
  });

  it('random joins, leaves, crashes and heartbeats never give a partition two owners, and the group always settles balanced', () => {
    let seed = 12345;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const members: SimMember[] = [];
    for (let step = 0; step < 300; step++) {
      const roll = random();
      if (roll < 0.15 || members.length === 0) {
        members.push(join_());
      } else if (roll < 0.25) {
        const gone = members.splice(Math.floor(random() * members.length), 1)[0]!;
        coordinator.leave('g', gone.id);
      } else if (roll < 0.3) {
        // a crash: it stops heartbeating and everyone else keeps going past its session timeout
        const crashed = members.splice(Math.floor(random() * members.length), 1)[0]!;
        clock += 2000;
        for (const m of members) m.heartbeat();
        clock += 1500;
        coordinator.expireMembers();
        expect(coordinator.describe('g').members.map((d) => d.memberId)).not.toContain(crashed.id);
        // the crashed member's holdings are void; what it still believes it holds is not checked any more
      } else {
        members[Math.floor(random() * members.length)]!.heartbeat();
      }
      checkOwners(members);
      if (step % 25 === 24 && members.length > 0) {
        settle(members);
        const counts = members.map((m) => m.held.size);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(PARTITIONS);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }
      clock += 10;
    }
    expect(metrics.get('tributary_group_rebalances_total', { group: 'g' })).toBeGreaterThan(30);
    expect(metrics.get('tributary_group_members_removed_total', { group: 'g', reason: 'session_timeout' })).toBeGreaterThan(3);
  });

  it('validates what joins send', () => {
    expect(() => coordinator.join('g', { sessionTimeoutMs: 5 })).toThrow(expect.objectContaining({ code: 'ERR_GROUP_SESSION_TIMEOUT' }));
    expect(() => coordinator.join('bad name!')).toThrow(expect.objectContaining({ code: 'ERR_GROUP_NAME' }));
    expect(() => coordinator.join('other', { topic: 'nope' })).toThrow(expect.objectContaining({ code: 'ERR_GROUP_UNKNOWN_TOPIC' }));
    expect(() => coordinator.describe('never')).toThrow(expect.objectContaining({ code: 'ERR_GROUP_UNKNOWN' }));
    expect(coordinator.list()).toEqual([]);
    coordinator.join('g');
    expect(() => coordinator.join('g', { topic: 'other-topic' })).toThrow(expect.objectContaining({ code: 'ERR_GROUP_TOPIC' }));
  });
});

describe('LocalMember', () => {
  it('hands partitions over between in-process members through onRevoked/onAssigned, one owner at a time', async () => {
    const dir = tempDir();
    const store = new SqliteLogStore({ path: join(dir.path, 'log.db'), partitions: PARTITIONS });
    const coordinator = new GroupCoordinator({ database: store.database, topics: { records: store }, logger: silentLogger(), metrics: new Metrics(), sessionTimeoutMs: 3000, rebalanceTimeoutMs: 10_000, offsetReset: 'earliest', lagIntervalMs: 0 });
    const holders = new Map<number, string>();
    const violations: string[] = [];
    const member = (name: string) =>
      new LocalMember(coordinator, {
        group: 'agg',
        logger: silentLogger(),
        onAssigned: (p, lease) => {
          if (holders.has(p)) violations.push(`${name} got ${p} while ${holders.get(p)} holds it`);
          holders.set(p, name);
          // the aggregator's pattern: validate + write the offset in its own transaction
          store.transaction(() => coordinator.commitInTransaction('agg', m.get(name)!.memberId!, p, lease, 0));
        },
        onRevoked: async (p) => {
          await new Promise((r) => setTimeout(r, 5));
          holders.delete(p);
        },
      });
    const m = new Map<string, LocalMember>();
    try {
      m.set('one', member('one'));
      await m.get('one')!.start();
      expect(m.get('one')!.owned().size).toBe(PARTITIONS);
      m.set('two', member('two'));
      await m.get('two')!.start();
      await expect.poll(() => m.get('two')!.owned().size, { timeout: 5000 }).toBe(PARTITIONS / 2);
      expect(m.get('one')!.owned().size).toBe(PARTITIONS / 2);
      await m.get('one')!.stop();
      await expect.poll(() => m.get('two')!.owned().size, { timeout: 5000 }).toBe(PARTITIONS);
      expect(violations).toEqual([]);
      await m.get('two')!.stop();
      expect(holders.size).toBe(0);
    } finally {
      coordinator.close();
      store.close();
      dir.remove();
    }
  });
});
