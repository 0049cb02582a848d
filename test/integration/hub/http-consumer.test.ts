import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Consumer, type ConsumedBatch } from '../../../client/consumer.js';
import { batchCrc, encodeBatch, type StoredBatch } from '../../../core/log/batch.js';
import { encodeBatchFrame, headerOf, topics } from '../../../core/protocol.js';
import { connectClient } from '../../unit/hub/broker-harness.js';
import { appendRecords, call, startGroupsHub } from './groups-harness.js';
import { useHub } from './hub-fixture.js';

const PARTITIONS = 4;

describe('an external consumer written against the HTTP API only', () => {
  const fixture = useHub(startGroupsHub);

  it('joins, fetches every partition from its grant, commits, and leaves the group caught up', async () => {
    const { hub, url } = fixture;
    for (let p = 0; p < PARTITIONS; p++) for (let b = 0; b < 3; b++) appendRecords(hub, p, 50, b * 50);
    const join = await fetch(`${url}/v1/groups/external/members`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const member = (await join.json()) as { member_id: string; assignment: { partition: number; lease: number; offset: number }[] };
    expect(member.assignment).toHaveLength(PARTITIONS);
    const seen = new Map<number, number[]>();
    for (const grant of member.assignment) {
      let offset = grant.offset;
      for (;;) {
        const response = await fetch(`${url}/v1/topics/records/partitions/${grant.partition}/records?offset=${offset}&max_bytes=2000&wait_ms=0`);
        const page = (await response.json()) as { records: { offset: number; value: { n: number } }[]; next_offset: number; log_end: number };
        if (page.records.length === 0) break;
        seen.set(grant.partition, [...(seen.get(grant.partition) ?? []), ...page.records.map((r) => r.value.n)]);
        const commit = await fetch(`${url}/v1/groups/external/commit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ member_id: member.member_id, partition: grant.partition, lease: grant.lease, offset: page.next_offset }) });
        expect(commit.status).toBe(200);
        offset = page.next_offset;
        await fetch(`${url}/v1/groups/external/members/${member.member_id}/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ owned: member.assignment.map((g) => g.partition) }) });
      }
    }
    for (let p = 0; p < PARTITIONS; p++) expect(seen.get(p)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    const described = (await (await fetch(`${url}/v1/groups/external`)).json()) as { partitions: { lag_records: number; committed_offset: number }[] };
    expect(described.partitions.map((p) => [p.committed_offset, p.lag_records])).toEqual(Array.from({ length: PARTITIONS }, () => [150, 0]));
    expect((await fetch(`${url}/v1/groups/external/members/${member.member_id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('the TypeScript client', () => {
  const fixture = useHub(startGroupsHub);
  const consumers: Consumer[] = [];

  afterEach(async () => {
    await Promise.all(consumers.map((c) => c.close()));
    consumers.length = 0;
  });

  it('two instances share the partitions; every record is processed once across rebalances', async () => {
    const { hub, url } = fixture;
    const processed = new Map<string, number>();
    const byConsumer = new Map<string, Set<number>>();
    const errors: unknown[] = [];
    const handler = (name: string) => async (batch: ConsumedBatch) => {
      for (const r of batch.records) {
        const k = `${batch.partition}:${r.offset}`;
        processed.set(k, (processed.get(k) ?? 0) + 1);
      }
      byConsumer.set(name, new Set([...(byConsumer.get(name) ?? []), batch.partition]));
      await new Promise((resolve) => setTimeout(resolve, 2));
    };
    const start = (name: string) => {
      const consumer = new Consumer({ url, group: 'ts', waitMs: 200, maxBytes: 1500, onError: (e) => errors.push(e) });
      consumers.push(consumer);
      const done = consumer.run({ eachBatch: handler(name) });
      return { consumer, done };
    };
    let appended = 0;
    const feed = (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        for (let p = 0; p < PARTITIONS; p++) appendRecords(hub, p, 10, appended / PARTITIONS);
        appended += 10 * PARTITIONS;
      }
    };
    feed(10);
    const one = start('one');
    await expect.poll(() => processed.size, { timeout: 10_000 }).toBeGreaterThan(0);
    const two = start('two');
    feed(10);
    await expect.poll(() => one.consumer.partitions().length + two.consumer.partitions().length === PARTITIONS && two.consumer.partitions().length === 2, { timeout: 10_000 }).toBe(true);
    // never two owners: the two instances hold disjoint partitions
    expect(one.consumer.partitions().filter((p) => two.consumer.partitions().includes(p))).toEqual([]);
    feed(10);
    await expect.poll(() => processed.size, { timeout: 10_000 }).toBe(appended);
    expect(byConsumer.get('two')?.size).toBeGreaterThan(0);
    // one instance leaves: the other takes everything and keeps going
    await one.consumer.close();
    await one.done;
    feed(5);
    await expect.poll(() => two.consumer.partitions().length, { timeout: 10_000 }).toBe(PARTITIONS);
    await expect.poll(() => processed.size, { timeout: 10_000 }).toBe(appended);
    expect([...processed.values()].filter((n) => n !== 1)).toEqual([]);
    // the commit follows the handler: wait for it rather than read the lag the moment the last record was processed
    const described = async () => (await call(url, 'GET', '/v1/groups/ts')).body as { partitions: { lag_records: number }[]; members: unknown[] };
    await expect.poll(async () => (await described()).partitions.map((p) => p.lag_records), { timeout: 10_000 }).toEqual([0, 0, 0, 0]);
    expect((await described()).members).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('a member that crashes (stops heartbeating) is expired and the running instance takes its partitions, never sharing one', async () => {
    const { hub, url } = fixture;
    appendRecords(hub, 0, 3);
    const crashed = (await call(url, 'POST', '/v1/groups/crash/members', { session_timeout_ms: 300 })).body as { member_id: string; assignment: { partition: number; lease: number }[] };
    expect(crashed.assignment).toHaveLength(PARTITIONS);
    const a = new Consumer({ url, group: 'crash', waitMs: 100 });
    consumers.push(a);
    const violations: string[] = [];
    const sampler = setInterval(() => {
      // what the client holds, the coordinator must say it owns (not the crashed member)
      const owners = new Map(hub.groups.describe('crash').partitions.map((p) => [p.partition, p.owner]));
      for (const p of a.partitions()) if (owners.get(p) !== a.memberId) violations.push(`partition ${p} held by the client, owned by ${owners.get(p)}`);
    }, 5);
    try {
      void a.run({ eachBatch: () => undefined });
      await expect.poll(() => a.partitions().length, { timeout: 10_000 }).toBe(PARTITIONS);
    } finally {
      clearInterval(sampler);
    }
    expect(violations).toEqual([]);
    expect(hub.metrics.get('tributary_group_members_removed_total', { group: 'crash', reason: 'session_timeout' })).toBe(1);
    const late = await call(url, 'POST', '/v1/groups/crash/commit', { member_id: crashed.member_id, partition: 0, lease: crashed.assignment[0]!.lease, offset: 3 });
    expect(late.status).toBe(404);
    expect(late.body.error.code).toBe('ERR_GROUP_UNKNOWN_MEMBER');
  });
});

describe('the TypeScript client as an async iterator', () => {
  const fixture = useHub(startGroupsHub);

  it('iterates records with for await, committing each batch once the loop moves past it', async () => {
    const { hub, url } = fixture;
    for (let p = 0; p < PARTITIONS; p++) appendRecords(hub, p, 10, 0, `iter-${p}`);
    const consumer = new Consumer({ url, group: 'iter', waitMs: 100 });
    const seen: string[] = [];
    for await (const record of consumer) {
      seen.push(`${record.partition}:${record.offset}`);
      if (seen.length === 10 * PARTITIONS) appendRecords(hub, 0, 1, 10, 'iter-0');
      if (seen.length === 10 * PARTITIONS + 1) break;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.at(-1)).toBe('0:10');
    // every batch but the last one (its loop was left before moving past it) is committed, and the member left
    const d = (await call(url, 'GET', '/v1/groups/iter')).body as { members: unknown[]; partitions: { committed_offset: number }[] };
    expect(d.members).toEqual([]);
    expect(d.partitions.map((p) => p.committed_offset)).toEqual([10, 10, 10, 10]);
  });
});

describe('records an agent publishes', () => {
  let agent: MqttClient | undefined;
  const fixture = useHub(startGroupsHub, () => agent?.endAsync(true));

  it('wake a long-polling fetch once the ingest has committed them', async () => {
    const { hub, url } = fixture;
    const password = await hub.credentials.add('van-1');
    agent = await connectClient(`mqtt://127.0.0.1:${hub.broker.addresses.mqtt!.port}`, { clientId: 'van-1', username: 'van-1', password });
    const partition = hub.ingest.hubPartitionOf('van-1', 0);
    const polling = call(url, 'GET', `/v1/topics/records/partitions/${partition}/records?offset=0&wait_ms=20000`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const unsigned = { ...encodeBatch([{ key: 'van-1/gps', ts: 1, value: { speed: 42 }, attrs: {} }, { key: 'van-1/gps', ts: 2, value: { speed: 43 }, attrs: {} }]), partition: 0, baseOffset: 0 };
    const stored: StoredBatch = { ...unsigned, appendTs: 0, crc: batchCrc(unsigned) };
    await agent.publishAsync(topics.batches('van-1', 0), encodeBatchFrame(headerOf('van-1-log', stored), stored.body), { qos: 1 });
    const got = await polling;
    expect(got.body.records.map((r: { offset: number; value: unknown }) => [r.offset, r.value])).toEqual([[0, { speed: 42 }], [1, { speed: 43 }]]);
    expect(got.body.next_offset).toBe(2);
  });
});
