import { afterAll, describe, expect, it } from 'vitest';
import { Consumer } from '../../../client/consumer.js';
import type { RunningHub } from '../../../hub/hub.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { appendRecords, call, startGroupsHub } from './groups-harness.js';

describe('consumer groups across a hub restart', () => {
  const dir = tempDir();
  let hub: RunningHub | undefined;

  afterAll(async () => {
    await hub?.stop();
    dir.remove();
  });

  it('committed offsets and lease counters survive; old members must rejoin and resume from the committed offset', async () => {
    let url: string;
    ({ hub, url } = await startGroupsHub(dir.path));
    appendRecords(hub, 1, 20);
    const before = (await call(url, 'POST', '/v1/groups/durable/members', {})).body as { member_id: string; assignment: { partition: number; lease: number }[] };
    const lease = before.assignment[1]!.lease;
    expect((await call(url, 'POST', '/v1/groups/durable/commit', { member_id: before.member_id, partition: 1, lease, offset: 12 })).status).toBe(200);
    await hub.stop();
    hub = undefined;

    ({ hub, url } = await startGroupsHub(dir.path));
    expect((await call(url, 'GET', '/v1/groups')).body).toEqual({ groups: [{ group: 'durable', members: 0 }] });
    const described = (await call(url, 'GET', '/v1/groups/durable')).body;
    expect(described.partitions[1]).toMatchObject({ committed_offset: 12, log_end: 20, lag_records: 8 });
    // the old member is unknown to the new hub: its heartbeat and its commits are refused
    expect((await call(url, 'POST', `/v1/groups/durable/members/${before.member_id}/heartbeat`, { owned: [1] })).status).toBe(404);
    expect((await call(url, 'POST', '/v1/groups/durable/commit', { member_id: before.member_id, partition: 1, lease, offset: 20 })).status).toBe(404);
    const after = (await call(url, 'POST', '/v1/groups/durable/members', { member_id: before.member_id })).body as { member_id: string; assignment: { partition: number; lease: number; offset: number }[] };
    expect(after.member_id).toBe(before.member_id);
    expect(after.assignment[1]).toMatchObject({ partition: 1, offset: 12 });
    expect(after.assignment[1]!.lease).toBeGreaterThan(lease);
    const page = (await call(url, 'GET', `/v1/topics/records/partitions/1/records?offset=${after.assignment[1]!.offset}`)).body;
    expect(page.records.map((r: { offset: number }) => r.offset)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('a static member that restarts within its session timeout gets its partitions back; the other member keeps its own', async () => {
    const url = hub!.api.url;
    const first = (await call(url, 'POST', '/v1/groups/static/members', { static_id: 'edge-a', session_timeout_ms: 5000 })).body;
    const other = (await call(url, 'POST', '/v1/groups/static/members', { static_id: 'edge-b', session_timeout_ms: 5000 })).body;
    // settle: first gives up what moves to other
    const asked = (await call(url, 'POST', `/v1/groups/static/members/${first.member_id}/heartbeat`, { owned: [0, 1, 2, 3] })).body;
    const kept = [0, 1, 2, 3].filter((p) => !asked.revoke.includes(p));
    await call(url, 'POST', `/v1/groups/static/members/${first.member_id}/heartbeat`, { owned: kept });
    const otherBefore = (await call(url, 'POST', `/v1/groups/static/members/${other.member_id}/heartbeat`, { owned: [] })).body;
    expect(otherBefore.assignment).toHaveLength(2);
    const epoch = (await call(url, 'GET', '/v1/groups/static')).body.epoch;
    // edge-a restarts (no leave): same static id, new process
    const again = (await call(url, 'POST', '/v1/groups/static/members', { static_id: 'edge-a', session_timeout_ms: 5000 })).body;
    expect(again.member_id).not.toBe(first.member_id);
    expect(again.assignment.map((g: { partition: number }) => g.partition)).toEqual(kept);
    const otherAfter = (await call(url, 'POST', `/v1/groups/static/members/${other.member_id}/heartbeat`, { owned: otherBefore.assignment.map((g: { partition: number }) => g.partition) })).body;
    expect(otherAfter.assignment).toEqual(otherBefore.assignment);
    expect(otherAfter.revoke).toEqual([]);
    expect((await call(url, 'GET', '/v1/groups/static')).body.epoch).toBe(epoch);
  });

  it('the TS client rides through a hub restart: it rejoins and resumes from the committed offsets', async () => {
    const port = hub!.api.address.port;
    await hub!.stop();
    // the same port again, so the client's URL stays valid
    ({ hub } = await startGroupsHub(dir.path, '', '127.0.0.1', port));
    const seen = new Map<string, number>();
    const errors: unknown[] = [];
    const consumer = new Consumer({ url: `http://127.0.0.1:${port}`, group: 'survivor', waitMs: 100, onError: (e) => errors.push(e) });
    for (let p = 0; p < 4; p++) appendRecords(hub!, p, 10, 0, `s-${p}`);
    const running = consumer.run({
      eachBatch: (batch) => {
        for (const r of batch.records) seen.set(`${batch.partition}:${r.offset}`, (seen.get(`${batch.partition}:${r.offset}`) ?? 0) + 1);
      },
    });
    await expect.poll(() => (hub!.groups.has('survivor') ? hub!.groups.describe('survivor').partitions.every((p) => p.lagRecords === 0) : false), { timeout: 10_000 }).toBe(true);
    const committedBefore = hub!.groups.describe('survivor').partitions.map((p) => p.committedOffset);
    await hub!.stop();
    ({ hub } = await startGroupsHub(dir.path, '', '127.0.0.1', port));
    expect(hub.groups.describe('survivor').partitions.map((p) => p.committedOffset)).toEqual(committedBefore);
    for (let p = 0; p < 4; p++) appendRecords(hub, p, 5, 10, `s-${p}`);
    await expect.poll(() => hub!.groups.memberCount('survivor'), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => hub!.groups.describe('survivor').partitions.every((p) => p.lagRecords === 0), { timeout: 10_000 }).toBe(true);
    await consumer.close();
    await running;
    // a new group starts at the earliest offset: every record of the log, once
    const expected = [0, 1, 2, 3].flatMap((p) => Array.from({ length: hub!.store.state(p).nextOffset }, (_, i) => `${p}:${i}`));
    expect([...seen.keys()].sort()).toEqual(expected.sort());
    // nothing is processed twice: every batch was committed before the hub stopped
    expect([...seen.values()].filter((n) => n !== 1)).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
  });
});
