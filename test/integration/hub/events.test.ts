import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../../hub/hub.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { appendRecords, call } from './groups-harness.js';
import { TOKEN, connectAgent, openEvents, publishStatus, startDashboardHub, statusReport, type EventStream } from './dashboard-harness.js';

describe('live feed GET /v1/events (server-sent events)', () => {
  const dir = tempDir();
  let hub: RunningHub;
  let url: string;
  let mqttUrl: string;
  let cookie: Record<string, string>;
  const streams: EventStream[] = [];
  let stopped = false;

  beforeAll(async () => {
    ({ hub, url, mqttUrl } = await startDashboardHub(dir.path, { token: true, extraYaml: 'aggregate: { windows: ["10s", "1m"] }\n' }));
    const login = await fetch(`${url}/v1/login`, { method: 'POST', body: JSON.stringify({ token: TOKEN }) });
    cookie = { cookie: login.headers.get('set-cookie')!.split(';')[0]! };
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    if (!stopped) await hub?.stop();
    dir.remove();
  });

  it('refuses a client without the token or a session (401)', async () => {
    expect((await call(url, 'GET', '/v1/events')).status).toBe(401);
  });

  it('sends the fleet at connect and every second; an agent\'s report shows up in it', async () => {
    const stream = await openEvents(url, '/v1/events', cookie);
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toBe('text/event-stream; charset=utf-8');
    const first = await stream.next((e) => e.event === 'fleet');
    expect(first.data).toEqual({ agents: [] });
    const client = await connectAgent(hub, mqttUrl, 'live-1');
    try {
      await publishStatus(client, 'live-1', statusReport({ seq: 1 }));
      const seen = await stream.next((e) => e.event === 'fleet' && (e.data as { agents: { id: string; state: string }[] }).agents.some((a) => a.id === 'live-1' && a.state === 'online'), 5000);
      expect((seen.data as { agents: { totals: unknown }[] }).agents[0]!.totals).toMatchObject({ in: 100, forwarded: 90 });
    } finally {
      await client.endAsync();
    }
  });

  it('sends each window the aggregator commits, filtered by key, metric and window', async () => {
    const all = await openEvents(url, '/v1/events', { authorization: `Bearer ${TOKEN}` });
    const filtered = await openEvents(url, '/v1/events?key=dev-b&metric=n&window=10s', cookie);
    streams.push(all, filtered);
    await all.next((e) => e.event === 'fleet');
    await filtered.next((e) => e.event === 'fleet');
    // one batch, two devices: both windows are committed by the same flush
    appendRecords(hub, 0, 4, 0, 'dev-a');
    appendRecords(hub, 0, 3, 10, 'dev-b');
    const event = await filtered.next((e) => e.event === 'aggregate', 10_000);
    expect(event.data).toEqual({ key: 'dev-b', metric: 'n', window: '10s', start: 1_700_000_000_000, count: 3, min: 10, max: 12, mean: 11, last: 12, p50: expect.any(Number), p95: expect.any(Number) });
    const p = event.data as { p50: number; p95: number };
    expect(p.p50).toBeGreaterThanOrEqual(10);
    expect(p.p95).toBeLessThanOrEqual(12);
    const fromAll = await all.next((e) => e.event === 'aggregate' && (e.data as { key: string; window: string }).key === 'dev-a' && (e.data as { window: string }).window === '1m');
    expect(fromAll.data).toMatchObject({ key: 'dev-a', metric: 'n', count: 4, min: 0, max: 3, mean: 1.5, last: 3 });
    expect(filtered.events.filter((e) => e.event === 'aggregate').every((e) => (e.data as { key: string; window: string }).key === 'dev-b' && (e.data as { window: string }).window === '10s')).toBe(true);
    // what the live chart can choose from
    expect((await call(url, 'GET', '/v1/aggregates/series', undefined, cookie)).body).toEqual({ series: [{ key: 'dev-a', metric: 'n' }, { key: 'dev-b', metric: 'n' }], windows: ['10s', '1m'] });
  });

  it('/readyz says why the hub is not ready; streams end when the hub stops', async () => {
    expect(await call(url, 'GET', '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    const stream = await openEvents(url, '/v1/events', cookie);
    await stream.next((e) => e.event === 'fleet');
    hub.aggregator.abandon();
    const notReady = await call(url, 'GET', '/readyz');
    expect(notReady).toEqual({ status: 503, body: { status: 'not_ready', reasons: ['the aggregator is not running'] } });
    stopped = true;
    await hub.stop();
    await stream.ended;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
