import { isLoopback } from '../../../hub/api/server.js';
import { describe, expect, it } from 'vitest';
import { appendRecords, call, startGroupsHub } from './groups-harness.js';
import { useHub } from './hub-fixture.js';

describe('consumer group HTTP API', () => {
  const fixture = useHub(startGroupsHub);
  let a: { member_id: string; assignment: { partition: number; lease: number; offset: number }[] };

  it('lists no groups and the records topic at first', async () => {
    const { url } = fixture;
    expect(await call(url, 'GET', '/v1/groups')).toEqual({ status: 200, body: { groups: [] } });
    expect((await call(url, 'GET', '/v1/topics')).body).toEqual({ topics: [{ name: 'records', partitions: 4 }] });
  });

  it('join gives a member id, a heartbeat interval and every partition with a lease', async () => {
    const { hub, url } = fixture;
    appendRecords(hub, 0, 5);
    const joined = await call(url, 'POST', '/v1/groups/g1/members', { session_timeout_ms: 20_000 });
    expect(joined.status).toBe(200);
    a = joined.body;
    expect(typeof a.member_id).toBe('string');
    expect(joined.body.heartbeat_interval_ms).toBe(1000);
    expect(a.assignment.map((g) => g.partition)).toEqual([0, 1, 2, 3]);
    for (const g of a.assignment) expect(g).toMatchObject({ topic: 'records', offset: 0, lease: 1 });
    const beat = await call(url, 'POST', `/v1/groups/g1/members/${a.member_id}/heartbeat`, { owned: [0, 1, 2, 3] });
    expect(beat.status).toBe(200);
    expect(beat.body).toMatchObject({ member_id: a.member_id, revoke: [], pending: [] });
    expect(beat.body.assignment).toEqual(a.assignment);
  });

  it('fetches records with their offsets, and long-polls until something is appended', async () => {
    const { hub, url } = fixture;
    const got = await call(url, 'GET', '/v1/topics/records/partitions/0/records?offset=1');
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ next_offset: 5, log_start: 0, log_end: 5 });
    expect(got.body.records.map((r: { offset: number }) => r.offset)).toEqual([1, 2, 3, 4]);
    expect(got.body.records[0]).toMatchObject({ key: 'dev-0', value: { n: 1 }, attrs: { partition: '0' } });
    expect(got.body.lost).toBeUndefined();
    const empty = await call(url, 'GET', '/v1/topics/records/partitions/0/records?offset=5&wait_ms=50');
    expect(empty.body).toMatchObject({ records: [], next_offset: 5, log_end: 5 });
    const waiting = call(url, 'GET', '/v1/topics/records/partitions/0/records?offset=5&wait_ms=20000');
    setTimeout(() => appendRecords(hub, 0, 2, 5), 100);
    const woke = await waiting;
    expect(woke.body.records.map((r: { offset: number }) => r.offset)).toEqual([5, 6]);
    expect(woke.body.next_offset).toBe(7);
  });

  it('commits for the owner with its lease; refuses a stale lease and a non-owner with 409 and a reason', async () => {
    const { url } = fixture;
    const lease0 = a.assignment[0]!.lease;
    expect(await call(url, 'POST', '/v1/groups/g1/commit', { member_id: a.member_id, partition: 0, lease: lease0, offset: 7 })).toEqual({ status: 200, body: { group: 'g1', partition: 0, offset: 7 } });
    const stale = await call(url, 'POST', '/v1/groups/g1/commit', { member_id: a.member_id, partition: 0, lease: lease0 - 1, offset: 7 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('ERR_GROUP_STALE_LEASE');
    expect(stale.body.error.message).toMatch(/stale/);
    // a second member: a is asked to revoke half, reports it, and b gets them
    const b = (await call(url, 'POST', '/v1/groups/g1/members', {})).body;
    expect(b.assignment).toEqual([]);
    expect(b.pending).toHaveLength(2);
    const asked = (await call(url, 'POST', `/v1/groups/g1/members/${a.member_id}/heartbeat`, { owned: [0, 1, 2, 3] })).body;
    expect(asked.revoke).toEqual(b.pending);
    expect(asked.heartbeat_interval_ms).toBeLessThanOrEqual(100);
    const kept = [0, 1, 2, 3].filter((p) => !asked.revoke.includes(p));
    await call(url, 'POST', `/v1/groups/g1/members/${a.member_id}/heartbeat`, { owned: kept });
    const granted = (await call(url, 'POST', `/v1/groups/g1/members/${b.member_id}/heartbeat`, { owned: [] })).body;
    expect(granted.assignment.map((g: { partition: number }) => g.partition)).toEqual(b.pending);
    const moved = granted.assignment[0] as { partition: number; lease: number };
    const oldLease = a.assignment.find((g) => g.partition === moved.partition)!.lease;
    expect(moved.lease).toBeGreaterThan(oldLease);
    const notOwner = await call(url, 'POST', '/v1/groups/g1/commit', { member_id: a.member_id, partition: moved.partition, lease: oldLease, offset: 0 });
    expect(notOwner.status).toBe(409);
    expect(notOwner.body.error.code).toBe('ERR_GROUP_NOT_OWNER');
    const fenced = await call(url, 'GET', `/v1/topics/records/partitions/${moved.partition}/records?offset=0&group=g1&member=${a.member_id}&lease=${oldLease}`);
    expect(fenced.status).toBe(409);
    expect(fenced.body.error.code).toBe('ERR_GROUP_NOT_OWNER');
    expect((await call(url, 'GET', `/v1/topics/records/partitions/${moved.partition}/records?offset=0&group=g1&member=${b.member_id}&lease=${moved.lease}`)).status).toBe(200);
    await call(url, 'DELETE', `/v1/groups/g1/members/${b.member_id}`);
  });

  it('ends a member\'s long poll when a rebalance asks it to give partitions up (heartbeat_now)', async () => {
    const { url } = fixture;
    // a takes back what b gave up when it left
    const all = (await call(url, 'POST', `/v1/groups/g1/members/${a.member_id}/heartbeat`, { owned: a.assignment.filter((g) => g.partition < 2).map((g) => g.partition) })).body;
    expect(all.assignment.map((g: { partition: number }) => g.partition)).toEqual([0, 1, 2, 3]);
    const polling = call(url, 'GET', `/v1/topics/records/partitions/3/records?offset=0&wait_ms=20000&group=g1&member=${a.member_id}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const b = (await call(url, 'POST', '/v1/groups/g1/members', {})).body;
    const woke = await polling;
    expect(woke.body).toMatchObject({ records: [], heartbeat_now: true });
    const asked = (await call(url, 'POST', `/v1/groups/g1/members/${a.member_id}/heartbeat`, { owned: [0, 1, 2, 3] })).body;
    expect(asked.revoke).toEqual(b.pending);
    await call(url, 'DELETE', `/v1/groups/g1/members/${b.member_id}`);
    const back = (await call(url, 'POST', `/v1/groups/g1/members/${a.member_id}/heartbeat`, { owned: [0, 1, 2, 3] })).body;
    expect(back.revoke).toEqual([]);
  });

  it('describes the group: members, assignment, committed offsets and lag', async () => {
    const { hub, url } = fixture;
    appendRecords(hub, 1, 3);
    const d = await call(url, 'GET', '/v1/groups/g1');
    expect(d.status).toBe(200);
    expect(d.body.members).toHaveLength(1);
    expect(d.body.members[0].member_id).toBe(a.member_id);
    expect(d.body.partitions[0]).toMatchObject({ partition: 0, committed_offset: 7, log_end: 7, lag_records: 0, lag_ms: 0 });
    expect(d.body.partitions[1]).toMatchObject({ partition: 1, committed_offset: 0, log_end: 3, lag_records: 3 });
    expect(d.body.partitions[1].lag_ms).toBeGreaterThanOrEqual(0);
    expect((await call(url, 'GET', '/v1/groups')).body).toEqual({ groups: [{ group: 'g1', members: 1 }] });
  });

  it('reports records deleted by retention as lost, counts them for the group, and continues from the log start', async () => {
    const { hub, url } = fixture;
    appendRecords(hub, 2, 4);
    appendRecords(hub, 2, 4, 4);
    hub.store.deleteOldest(2, (batch) => batch.baseOffset === 0);
    const got = await call(url, 'GET', '/v1/topics/records/partitions/2/records?offset=0&group=g1');
    expect(got.body.lost).toEqual({ from: 0, to: 4 });
    expect(got.body.log_start).toBe(4);
    expect(got.body.records.map((r: { offset: number }) => r.offset)).toEqual([4, 5, 6, 7]);
    expect(hub.metrics.get('tributary_group_lost_records_total', { group: 'g1' })).toBe(4);
  });

  it('leaving answers 204; the member is then unknown (404)', async () => {
    const { url } = fixture;
    expect((await call(url, 'DELETE', `/v1/groups/g1/members/${a.member_id}`)).status).toBe(204);
    const gone = await call(url, 'POST', `/v1/groups/g1/members/${a.member_id}/heartbeat`, { owned: [] });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('ERR_GROUP_UNKNOWN_MEMBER');
    expect((await call(url, 'DELETE', `/v1/groups/g1/members/${a.member_id}`)).status).toBe(404);
  });

  it('answers bad parameters with a clear 4xx and { error: { code, message } }', async () => {
    const { url } = fixture;
    const cases: [string, string, unknown, number, string][] = [
      ['GET', '/v1/topics/records/partitions/0/records?offset=abc', undefined, 400, 'ERR_API_BAD_PARAMETER'],
      ['GET', '/v1/topics/records/partitions/0/records?offset=1.5', undefined, 400, 'ERR_API_BAD_PARAMETER'],
      ['GET', '/v1/topics/records/partitions/0/records', undefined, 400, 'ERR_API_BAD_PARAMETER'],
      ['GET', '/v1/topics/records/partitions/0/records?offset=0&max_bytes=0', undefined, 400, 'ERR_API_BAD_PARAMETER'],
      ['GET', '/v1/topics/records/partitions/0/records?offset=0&wait_ms=999999', undefined, 400, 'ERR_API_BAD_PARAMETER'],
      ['GET', '/v1/topics/records/partitions/0/records?offset=999', undefined, 400, 'ERR_FETCH_OFFSET_OUT_OF_RANGE'],
      ['GET', '/v1/topics/records/partitions/9/records?offset=0', undefined, 404, 'ERR_GROUP_UNKNOWN_PARTITION'],
      ['GET', '/v1/topics/records/partitions/x/records?offset=0', undefined, 400, 'ERR_API_BAD_PARAMETER'],
      ['GET', '/v1/topics/other/partitions/0/records?offset=0', undefined, 404, 'ERR_GROUP_UNKNOWN_TOPIC'],
      ['POST', '/v1/groups/g2/members', '{"session_timeout_ms": ', 400, 'ERR_API_BAD_JSON'],
      ['POST', '/v1/groups/g2/members', '[1,2]', 400, 'ERR_API_BAD_JSON'],
      ['POST', '/v1/groups/g2/members', { session_timeout_ms: 'soon' }, 400, 'ERR_API_BAD_PARAMETER'],
      ['POST', '/v1/groups/g2/members', { session_timeout_ms: 1 }, 400, 'ERR_GROUP_SESSION_TIMEOUT'],
      ['POST', '/v1/groups/g2/members', { offset_reset: 'middle' }, 400, 'ERR_API_BAD_PARAMETER'],
      ['POST', '/v1/groups/g2/members', { static_id: 'has space' }, 400, 'ERR_GROUP_MEMBER_ID'],
      ['POST', '/v1/groups/bad%20name/members', {}, 400, 'ERR_GROUP_NAME'],
      ['POST', '/v1/groups/g1/members/nobody/heartbeat', { owned: [] }, 404, 'ERR_GROUP_UNKNOWN_MEMBER'],
      ['POST', '/v1/groups/g1/members/nobody/heartbeat', { owned: 'all' }, 400, 'ERR_API_BAD_PARAMETER'],
      ['POST', '/v1/groups/g1/commit', { member_id: 'nobody', partition: 0, offset: 1 }, 400, 'ERR_API_BAD_PARAMETER'],
      ['POST', '/v1/groups/g1/commit', { partition: 0, lease: 1, offset: 1 }, 400, 'ERR_API_BAD_PARAMETER'],
      ['POST', '/v1/groups/g1/commit', { member_id: 'nobody', partition: 0, lease: 1, offset: 1 }, 404, 'ERR_GROUP_UNKNOWN_MEMBER'],
      ['GET', '/v1/topics/records/partitions/0/records?offset=0&lease=1', undefined, 400, 'ERR_API_BAD_PARAMETER'],
      ['GET', '/v1/topics/records/partitions/0/records?offset=0&group=g1&member=nobody&lease=1', undefined, 404, 'ERR_GROUP_UNKNOWN_MEMBER'],
      ['GET', '/v1/groups/never', undefined, 404, 'ERR_GROUP_UNKNOWN'],
      ['GET', '/v1/nothing-here', undefined, 404, 'ERR_API_NOT_FOUND'],
      ['PUT', '/v1/groups', undefined, 405, 'ERR_API_METHOD'],
      ['POST', '/v1/groups/g2/members', `{"pad":"${'x'.repeat(1024 * 1024 + 10)}"}`, 413, 'ERR_API_BODY_TOO_LARGE'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const answer = await call(url, method, path, body);
      expect({ path, body: typeof body === 'string' ? body.slice(0, 40) : body, status: answer.status, code: answer.body?.error?.code }).toEqual({ path, body: typeof body === 'string' ? body.slice(0, 40) : body, status, code });
      expect(answer.body.error.message.length).toBeGreaterThan(10);
    }
  });
});

describe('HTTP API token', () => {
  const fixture = useHub(
    (dir) => {
      process.env.TRIBUTARY_TEST_API_TOKEN = 'a-long-test-token-0123456789';
      return startGroupsHub(dir, 'api: { token: { env: TRIBUTARY_TEST_API_TOKEN } }\n');
    },
    () => {
      delete process.env.TRIBUTARY_TEST_API_TOKEN;
    },
  );

  it('refuses requests without the bearer token (401) and serves those with it', async () => {
    const { url } = fixture;
    const none = await call(url, 'GET', '/v1/groups');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('ERR_API_UNAUTHORIZED');
    expect((await call(url, 'GET', '/v1/groups', undefined, { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect(await call(url, 'GET', '/v1/groups', undefined, { authorization: 'Bearer a-long-test-token-0123456789' })).toEqual({ status: 200, body: { groups: [] } });
  });
});

describe('HTTP API without a token', () => {
  const fixture = useHub((dir) => startGroupsHub(dir, '', '0.0.0.0'));

  // Only loopback traffic in tests (this workplace's rule): the refusal side is the isLoopback decision, tested below.
  it('serves clients on this machine\'s loopback without a token', async () => {
    const { hub } = fixture;
    const port = hub.api.address.port;
    expect((await call(`http://127.0.0.1:${port}`, 'GET', '/v1/groups')).status).toBe(200);
  });

  it('counts only loopback addresses as this machine (anything else gets 403 without a token)', () => {
    for (const address of ['127.0.0.1', '127.3.4.5', '::1', '::ffff:127.0.0.1']) expect(isLoopback(address), address).toBe(true);
    for (const address of ['10.0.0.5', '192.168.1.20', '::ffff:192.168.1.20', 'fe80::1', '', '1127.0.0.1']) expect(isLoopback(address), address).toBe(false);
  });
});
