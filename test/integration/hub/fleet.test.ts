import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHub } from '../../../hub/hub.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { closed, connectClient } from '../../unit/hub/broker-harness.js';
import { call } from './groups-harness.js';
import { connectAgent, offlineNotice, publishStatus, startDashboardHub, statusReport } from './dashboard-harness.js';

describe('fleet: agents\' status over real MQTT connections', () => {
  const dir = tempDir();
  let hub: RunningHub;
  let url: string;
  let mqttUrl: string;
  const clients: MqttClient[] = [];

  const agent = async (id: string) => (await call(url, 'GET', `/v1/agents/${id}`)).body;
  const stateOf = async (id: string) => {
    const body = await agent(id);
    return `${body.agent.state}${body.agent.offlineReason ? `:${body.agent.offlineReason}` : ''}`;
  };

  beforeAll(async () => {
    ({ hub, url, mqttUrl } = await startDashboardHub(dir.path));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await hub?.stop();
    dir.remove();
  });

  it('lists a registered agent that never connected as never_seen, with empty fields', async () => {
    await hub.credentials.add('quiet');
    const { body } = await call(url, 'GET', '/v1/agents');
    expect(body.agents).toEqual([{ id: 'quiet', state: 'never_seen', lastSeen: null, version: null, flow: null, buffer: null, lag: null, rates: null, totals: null, drops: {}, dropsTotal: 0, errorsTotal: 0, sources: [], forwardState: null }]);
  });

  it('a report makes the agent online; the next one gives rates from the totals over the agent clock; history and flow YAML are kept', async () => {
    const client = await connectAgent(hub, mqttUrl, 'van-1');
    clients.push(client);
    const t = 1_700_000_100_000;
    await publishStatus(client, 'van-1', statusReport({ seq: 1, ts: t, flowYaml: 'agent:\n  id: van-1\n  password: "***"\n' }));
    let body = await agent('van-1');
    expect(body.agent).toMatchObject({ id: 'van-1', state: 'online', version: '0.1.0', flow: { name: 'gps-flow', version: '3' }, rates: null, forwardState: 'connected' });
    expect(body.history).toEqual([]);
    await publishStatus(client, 'van-1', statusReport({ seq: 2, ts: t + 2000, totals: { in: 300, buffered: 300, forwarded: 190, deadLetters: 0, errors: 3 } }));
    body = await agent('van-1');
    expect(body.agent.rates).toEqual({ in: 100, out: 50 });
    expect(body.agent).toMatchObject({
      buffer: { records: 10, bytes: 1000 },
      lag: { records: 10, seconds: 1.5 },
      totals: { in: 300, forwarded: 190 },
      drops: { full: 4, corrupt: 1 },
      dropsTotal: 5,
      errorsTotal: 3,
      sources: [{ id: 'gps', type: 'serial', state: 'ok' }],
    });
    expect(body.agent.buffer.partitions).toHaveLength(2);
    expect(body.agent.lastSeen).toBeGreaterThan(Date.now() - 60_000);
    // the YAML came in the first report only; the hub keeps it
    expect(body.flowYaml).toContain('id: van-1');
    expect(body.errors).toEqual([{ ts: 1_700_000_000_500, component: 'gps', message: 'bad checksum' }]);
    expect(body.history).toHaveLength(1);
    expect(body.history[0]).toMatchObject({ in: 100, out: 50, bufferRecords: 10, lagRecords: 10 });
  });

  it('an agent restart (totals going down) starts the rates over instead of showing negative ones', async () => {
    const client = clients[0]!;
    await publishStatus(client, 'van-1', statusReport({ seq: 1, ts: 1_700_000_200_000, startedAt: 1_700_000_199_000, totals: { in: 5, buffered: 5, forwarded: 0, deadLetters: 0, errors: 0 } }));
    expect((await agent('van-1')).agent.rates).toBeNull();
    await publishStatus(client, 'van-1', statusReport({ seq: 2, ts: 1_700_000_201_000, startedAt: 1_700_000_199_000, totals: { in: 25, buffered: 25, forwarded: 10, deadLetters: 0, errors: 0 } }));
    const body = await agent('van-1');
    expect(body.agent.rates).toEqual({ in: 20, out: 10 });
    expect(body.history.map((h: { in: number }) => h.in)).toEqual([100, 20]);
  });

  it('a malformed status message is counted as rejected (bad_status) and the connection keeps working', async () => {
    const client = clients[0]!;
    await publishStatus(client, 'van-1', '{"v":1,"online":true}');
    await publishStatus(client, 'van-1', 'not json');
    await publishStatus(client, 'van-1', JSON.stringify({ ...statusReport({ seq: 3 }), flow: null }));
    expect(hub.metrics.get('tributary_hub_rejected_total', { agent: 'van-1', reason: 'bad_status' })).toBe(3);
    expect(client.connected).toBe(true);
    await publishStatus(client, 'van-1', statusReport({ seq: 4, ts: 1_700_000_202_000, startedAt: 1_700_000_199_000, totals: { in: 35, buffered: 35, forwarded: 20, deadLetters: 0, errors: 0 } }));
    expect((await agent('van-1')).agent.rates).toEqual({ in: 10, out: 10 });
  });

  it('a clean stop\'s goodbye marks the agent offline (shutdown); closing the connection afterwards keeps that reason', async () => {
    const client = clients[0]!;
    await publishStatus(client, 'van-1', offlineNotice('shutdown', 5));
    expect(await stateOf('van-1')).toBe('offline:shutdown');
    expect((await agent('van-1')).agent.rates).toBeNull();
    await client.endAsync();
    await expect.poll(() => hub.broker.clients().length).toBe(0);
    expect(await stateOf('van-1')).toBe('offline:shutdown');
  });

  it('the last will of a lost connection reaches the fleet through the hub\'s publish path (connection_lost)', async () => {
    const client = await connectAgent(hub, mqttUrl, 'van-2');
    await publishStatus(client, 'van-2', statusReport({ seq: 1 }));
    expect(await stateOf('van-2')).toBe('online');
    const wasClosed = closed(client);
    // a dead socket, not a DISCONNECT: the broker publishes the will
    client.stream.destroy();
    await wasClosed;
    await expect.poll(() => stateOf('van-2')).toBe('offline:connection_lost');
    expect(hub.metrics.get('tributary_hub_status_messages_total', { kind: 'offline' })).toBeGreaterThanOrEqual(2);
    client.end(true);
  });

  it('the broker seeing the reporting connection close marks the agent offline (disconnected) when no will comes', async () => {
    const password = await hub.credentials.add('van-3');
    const client = await connectClient(mqttUrl, { clientId: 'tributary-agent-van-3', username: 'van-3', password });
    await publishStatus(client, 'van-3', statusReport({ seq: 1 }));
    expect(await stateOf('van-3')).toBe('online');
    await client.endAsync();
    await expect.poll(() => stateOf('van-3')).toBe('offline:disconnected');
    // it comes back with its next report on a new connection
    const again = await connectClient(mqttUrl, { clientId: 'tributary-agent-van-3', username: 'van-3', password });
    clients.push(again);
    await publishStatus(again, 'van-3', statusReport({ seq: 1 }));
    expect(await stateOf('van-3')).toBe('online');
  });

  it('an agent silent for 3 report intervals goes offline (heartbeat_timeout) while its connection stays open', async () => {
    const client = await connectAgent(hub, mqttUrl, 'van-4', { intervalMs: 200 });
    clients.push(client);
    await publishStatus(client, 'van-4', statusReport({ seq: 1, intervalMs: 200 }));
    expect(await stateOf('van-4')).toBe('online');
    await expect.poll(() => stateOf('van-4'), { timeout: 5000 }).toBe('offline:heartbeat_timeout');
    expect(client.connected).toBe(true);
    await publishStatus(client, 'van-4', statusReport({ seq: 2, intervalMs: 200 }));
    expect(await stateOf('van-4')).toBe('online');
  });

  it('a revoked agent is listed as revoked; unknown ids answer 404 and malformed ones 400', async () => {
    await hub.credentials.add('van-5');
    hub.credentials.revoke('van-5');
    expect(await stateOf('van-5')).toBe('revoked');
    const unknown = await call(url, 'GET', '/v1/agents/nobody');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ERR_AGENT_UNKNOWN');
    const bad = await call(url, 'GET', '/v1/agents/has%20space');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('ERR_API_BAD_PARAMETER');
  });

  it('GET /v1/agents lists every agent by id, filters by state, and refuses an unknown state', async () => {
    const { body } = await call(url, 'GET', '/v1/agents');
    expect(body.agents.map((a: { id: string; state: string }) => `${a.id}=${a.state}`)).toEqual(['quiet=never_seen', 'van-1=offline', 'van-2=offline', 'van-3=online', 'van-4=online', 'van-5=revoked']);
    const online = await call(url, 'GET', '/v1/agents?state=online,revoked');
    expect(online.body.agents.map((a: { id: string }) => a.id)).toEqual(['van-3', 'van-4', 'van-5']);
    const bad = await call(url, 'GET', '/v1/agents?state=sleeping');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('sleeping');
  });

  it('/metrics has the agents by state', async () => {
    const response = await fetch(`${url}/metrics`);
    const text = await response.text();
    expect(text).toContain('tributary_hub_agents{state="online"} 2');
    expect(text).toContain('tributary_hub_agents{state="offline"} 2');
    expect(text).toContain('tributary_hub_agents{state="never_seen"} 1');
    expect(text).toContain('tributary_hub_agents{state="revoked"} 1');
  });
});
