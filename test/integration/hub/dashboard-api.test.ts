import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../../hub/hub.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { appendRecords, call } from './groups-harness.js';
import { TOKEN, startDashboardHub } from './dashboard-harness.js';
import { useHub } from './hub-fixture.js';

const bearer = { authorization: `Bearer ${TOKEN}` };

describe('hub HTTP API with api.token: login, session cookie, topics, groups, observability', () => {
  const dir = tempDir();
  let hub: RunningHub;
  let url: string;

  beforeAll(async () => {
    const dashboard = join(dir.path, 'dashboard');
    mkdirSync(dashboard);
    writeFileSync(join(dashboard, 'index.html'), '<!doctype html><title>Tributary</title>');
    ({ hub, url } = await startDashboardHub(join(dir.path, 'data'), { token: true, dashboardDir: dashboard }));
  });
  afterAll(async () => {
    await hub?.stop();
    dir.remove();
  });

  it('refuses protected routes without a token or with a wrong one (401, ERR_API_UNAUTHORIZED), and accepts the bearer token', async () => {
    for (const path of ['/v1/agents', '/v1/topics/records', '/v1/groups', '/metrics', '/v1/aggregates/series', '/v1/events', '/v1/no-such-route']) {
      const anonymous = await call(url, 'GET', path);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.body.error.code).toBe('ERR_API_UNAUTHORIZED');
      expect((await call(url, 'GET', path, undefined, { authorization: 'Bearer wrong-token-wrong-token' })).status, path).toBe(401);
    }
    expect((await call(url, 'GET', '/v1/agents', undefined, bearer)).status).toBe(200);
    // an unknown path is a 404 only for an authenticated client
    expect((await call(url, 'GET', '/v1/no-such-route', undefined, bearer)).body.error.code).toBe('ERR_API_NOT_FOUND');
  });

  it('serves /v1/session, /healthz, /readyz and the page without authentication', async () => {
    expect(await call(url, 'GET', '/v1/session')).toEqual({ status: 200, body: { authenticated: false, tokenRequired: true, hubId: 'test-hub', version: expect.stringMatching(/^\d+\.\d+\.\d+/) } });
    expect((await call(url, 'GET', '/v1/session', undefined, bearer)).body.authenticated).toBe(true);
    expect(await call(url, 'GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await call(url, 'GET', '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Tributary</title>');
  });

  it('login with the wrong token is 401 and counted; with the right one it sets an HttpOnly SameSite=Strict cookie that authenticates; logout ends it', async () => {
    // Counted from 0: the series exists before the first failure, so a rate() alert sees it.
    expect(hub.metrics.snapshot()).toContainEqual({ name: 'tributary_api_login_failures_total', labels: {}, value: 0 });
    const wrong = await fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'not-the-token-at-all' }) });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('ERR_API_UNAUTHORIZED');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(hub.metrics.get('tributary_api_login_failures_total')).toBe(1);
    for (const body of ['{}', '{"token":42}', '[]']) {
      const bad = await call(url, 'POST', '/v1/login', body);
      expect(bad.status, body).toBe(400);
      expect(bad.body.error.code).toBe('ERR_API_BAD_PARAMETER');
    }
    expect((await call(url, 'POST', '/v1/login', '{not json')).body.error.code).toBe('ERR_API_BAD_JSON');

    const login = await fetch(`${url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN }) });
    expect(login.status).toBe(204);
    const setCookie = login.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^tributary_session=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/$/);
    const cookie = { cookie: setCookie.split(';')[0]! };
    expect((await call(url, 'GET', '/v1/session', undefined, cookie)).body.authenticated).toBe(true);
    expect((await call(url, 'GET', '/v1/agents', undefined, cookie)).status).toBe(200);
    expect((await call(url, 'GET', '/v1/agents', undefined, { cookie: 'tributary_session=' + '0'.repeat(64) })).status).toBe(401);

    const logout = await fetch(`${url}/v1/logout`, { method: 'POST', headers: cookie });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toContain('Max-Age=0');
    expect((await call(url, 'GET', '/v1/agents', undefined, cookie)).status).toBe(401);
    expect((await call(url, 'GET', '/v1/session', undefined, cookie)).body.authenticated).toBe(false);
  });

  it('GET /v1/topics/:topic: offsets, records, bytes and ingest rate per partition, plus de-dup and reject totals', async () => {
    appendRecords(hub, 1, 5);
    appendRecords(hub, 1, 3, 5);
    hub.metrics.inc('tributary_hub_duplicate_records_total', {}, 4);
    hub.metrics.inc('tributary_hub_rejected_total', { agent: 'a', reason: 'invalid' }, 2);
    hub.metrics.inc('tributary_hub_rejected_total', { agent: 'a', reason: 'bad_status' });
    const { status, body } = await call(url, 'GET', '/v1/topics/records', undefined, bearer);
    expect(status).toBe(200);
    expect(body.name).toBe('records');
    expect(body.partitions).toHaveLength(4);
    expect(body.partitions[1]).toMatchObject({ partition: 1, startOffset: 0, nextOffset: 8, records: 8 });
    expect(body.partitions[1].bytes).toBeGreaterThan(0);
    expect(body.partitions[0]).toMatchObject({ partition: 0, nextOffset: 0, records: 0, bytes: 0, ingestRate: 0 });
    expect(body.totals).toEqual({ records: 8, bytes: body.partitions[1].bytes, duplicates: 4, rejected: 3, invalid: 2 });
    // the rate comes from the log end sampled every second
    await expect.poll(async () => (await call(url, 'GET', '/v1/topics/records', undefined, bearer)).body.partitions[1].ingestRate, { timeout: 4000 }).toBeGreaterThan(0);
    const unknown = await call(url, 'GET', '/v1/topics/nope', undefined, bearer);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ERR_GROUP_UNKNOWN_TOPIC');
    expect((await call(url, 'GET', '/v1/topics/%E0%A4%A', undefined, bearer)).body.error.code).toBe('ERR_API_BAD_PARAMETER');
  });

  it('GET /v1/groups/:group gives rebalances and generation', async () => {
    const a = (await call(url, 'POST', '/v1/groups/dash/members', {}, bearer)).body;
    let d = (await call(url, 'GET', '/v1/groups/dash', undefined, bearer)).body;
    expect(d).toMatchObject({ group: 'dash', rebalances: 1, generation: 1, epoch: 1 });
    const b = (await call(url, 'POST', '/v1/groups/dash/members', {}, bearer)).body;
    d = (await call(url, 'GET', '/v1/groups/dash', undefined, bearer)).body;
    expect(d).toMatchObject({ rebalances: 2, generation: 2 });
    await call(url, 'DELETE', `/v1/groups/dash/members/${b.member_id}`, undefined, bearer);
    await call(url, 'DELETE', `/v1/groups/dash/members/${a.member_id}`, undefined, bearer);
    expect((await call(url, 'GET', '/v1/groups/dash', undefined, bearer)).body.rebalances).toBe(4);
  });

  it('/metrics is Prometheus text with group lag per group and partition, the commit histogram and the de-dup counters', async () => {
    const response = await fetch(`${url}/metrics`, { headers: bearer });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    // refreshed at scrape time: group dash never committed on partition 1 (offset reset earliest grants at 0... and the 8 records are lag)
    expect(text).toMatch(/^tributary_group_lag_records\{group="dash",partition="1"\} 8$/m);
    expect(text).toMatch(/^tributary_group_lag_seconds\{group="dash",partition="1"\} [0-9.e-]+$/m);
    expect(text).toContain('# TYPE tributary_hub_commit_seconds histogram');
    expect(text).toContain('tributary_hub_duplicate_records_total 4');
    expect(text).toMatch(/^tributary_hub_rejected_total\{agent="a",reason="invalid"\} 2$/m);
    expect(text).toMatch(/^tributary_hub_rejected_total\{agent="a",reason="bad_status"\} 1$/m);
    expect(text).toMatch(/^tributary_hub_log_records\{partition="1"\} 8$/m);
    expect(text).toContain('tributary_hub_agents{state="never_seen"} 0');
    expect(text).toContain('# HELP tributary_group_lag_records');
  });

  it('GET /v1/aggregates/series lists the configured windows (and no series while nothing was aggregated)', async () => {
    expect(await call(url, 'GET', '/v1/aggregates/series', undefined, bearer)).toEqual({ status: 200, body: { series: [], windows: ['10s', '1m', '1h'] } });
  });

  it('the live view\'s queries answer 400 with what to change for a bad limit, range or key', async () => {
    const cases: [string, RegExp][] = [
      ['/v1/aggregates?window=10s&limit=0', /limit must be between 1 and/],
      ['/v1/aggregates?window=10s&limit=abc', /limit must be an integer/],
      ['/v1/aggregates?window=10s&to=soon', /to must be an integer/],
      ['/v1/aggregates?window=10s&key=', /key must be a non-empty string/],
      ['/v1/latest?key=', /key must be a non-empty string/],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await call(url, 'GET', path, undefined, bearer);
      expect(status, path).toBe(400);
      expect(body.error.code, path).toBe('ERR_AGGREGATE_QUERY');
      expect(body.error.message, path).toMatch(message);
    }
    expect(await call(url, 'GET', '/v1/latest', undefined, bearer)).toEqual({ status: 200, body: { latest: [] } });
  });

  it('bad event-stream filters are 400 before the stream starts', async () => {
    const bad = await call(url, 'GET', '/v1/events?window=7m', undefined, bearer);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'ERR_API_BAD_PARAMETER', message: expect.stringContaining('10s, 1m, 1h') });
    expect((await call(url, 'GET', '/v1/events?key=', undefined, bearer)).status).toBe(400);
  });

  it('wrong methods are 405 for an authenticated client (401 for others, who learn nothing about the routes)', async () => {
    expect((await call(url, 'GET', '/v1/login', undefined, bearer)).status).toBe(405);
    expect((await call(url, 'GET', '/v1/login')).status).toBe(401);
    expect((await call(url, 'POST', '/v1/agents', {}, bearer)).body.error.code).toBe('ERR_API_METHOD');
  });
});

describe('hub HTTP API without api.token', () => {
  const fixture = useHub((dir) => startDashboardHub(dir));

  it('serves loopback clients without login; /v1/session says no token is required; login is a no-op 204', async () => {
    const { url } = fixture;
    expect((await call(url, 'GET', '/v1/session')).body).toMatchObject({ authenticated: true, tokenRequired: false });
    const login = await fetch(`${url}/v1/login`, { method: 'POST', body: '{}' });
    expect(login.status).toBe(204);
    expect(login.headers.get('set-cookie')).toBeNull();
    expect((await call(url, 'GET', '/v1/agents')).status).toBe(200);
  });
});
