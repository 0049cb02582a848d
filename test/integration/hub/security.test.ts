import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { topics } from '../../../core/protocol.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { closed, connectClient, startTestHub, type TestHub } from '../../unit/hub/broker-harness.js';

/** Asserts the well-behaved agent can still publish and gets its PUBACK (so the hub kept serving). */
async function stillServes(hub: TestHub, client: MqttClient, agentId: string): Promise<void> {
  const before = hub.published.length;
  const payload = Buffer.from(`still here ${before}`);
  await client.publishAsync(topics.status(agentId), payload, { qos: 1 });
  const call = hub.published.slice(before).find((entry) => entry.agentId === agentId && entry.packet.payload.equals(payload));
  expect(call, 'the good agent\'s publish reached onPublish').toBeDefined();
}

describe('hub broker security', () => {
  let hub: TestHub;
  let good: MqttClient;
  const extra: MqttClient[] = [];

  beforeAll(async () => {
    hub = await startTestHub({ yaml: 'limits:\n  max_packet_bytes: 4KiB\n  max_connections: 6\n' });
    const password = await hub.addAgent('good');
    good = await connectClient(hub.url, { clientId: 'good', username: 'good', password });
  });

  afterEach(async () => {
    await Promise.all(extra.splice(0).map((client) => client.endAsync(true)));
  });

  afterAll(async () => {
    await good?.endAsync(true);
    await hub?.stop();
  });

  test('a registered agent with its password connects and publishes; onPublish gets its packet', async () => {
    await good.publishAsync(topics.hello('good'), '{"logId":"l1"}', { qos: 1 });
    expect(hub.published.at(-1)).toEqual({ agentId: 'good', packet: { topic: topics.hello('good'), payload: Buffer.from('{"logId":"l1"}'), qos: 1 } });
    expect(hub.broker.clients().map((agent) => [agent.agentId, agent.clientId, agent.listener])).toEqual([['good', 'good', 'mqtt']]);
  });

  test('a wrong password is refused with CONNACK 4 and one log line', async () => {
    await hub.addAgent('wrongpw');
    await expect(connectClient(hub.url, { clientId: 'wrongpw', username: 'wrongpw', password: 'not-the-password' })).rejects.toMatchObject({ code: 4 });
    const line = await hub.waitForLog((l) => l.reason === 'wrong_password' && l.agentId === 'wrongpw');
    expect(line.msg).toContain('wrong password');
    await stillServes(hub, good, 'good');
  });

  test('an unknown agent is refused with CONNACK 4 (the same answer as a wrong password)', async () => {
    await expect(connectClient(hub.url, { clientId: 'ghost', username: 'ghost', password: 'whatever-password' })).rejects.toMatchObject({ code: 4 });
    expect((await hub.waitForLog((l) => l.reason === 'unknown_agent' && l.agentId === 'ghost')).msg).toContain('no such agent');
    await stillServes(hub, good, 'good');
  });

  test('an anonymous client is refused with CONNACK 5', async () => {
    await expect(connectClient(hub.url, { clientId: 'anon' })).rejects.toMatchObject({ code: 5 });
    await hub.waitForLog((l) => l.reason === 'anonymous');
    await stillServes(hub, good, 'good');
  });

  test('a client id that is not the agent\'s own is refused with CONNACK 2 (no session takeover of another agent)', async () => {
    const password = await hub.addAgent('thief');
    await expect(connectClient(hub.url, { clientId: 'good', username: 'thief', password })).rejects.toMatchObject({ code: 2 });
    await hub.waitForLog((l) => l.reason === 'client_id' && l.agentId === 'thief');
    // `<agent id>:<suffix>` is the agent's own
    extra.push(await connectClient(hub.url, { clientId: 'thief:tool', username: 'thief', password }));
    await stillServes(hub, good, 'good');
  });

  test('a revoked agent is refused on its next connect (CONNACK 5), and its open connection is closed', async () => {
    const password = await hub.addAgent('leaver');
    const open = await connectClient(hub.url, { clientId: 'leaver', username: 'leaver', password });
    extra.push(open);
    const wasClosed = closed(open);
    expect(hub.store.revoke('leaver')).toBe(true);
    await wasClosed;
    await expect(connectClient(hub.url, { clientId: 'leaver', username: 'leaver', password })).rejects.toMatchObject({ code: 5 });
    await hub.waitForLog((l) => l.reason === 'revoked' && l.agentId === 'leaver' && String(l.msg).startsWith('refused'));
    await stillServes(hub, good, 'good');
  });

  test('publishing to another agent\'s topic drops the connection and nothing reaches onPublish', async () => {
    const password = await hub.addAgent('intruder');
    const intruder = await connectClient(hub.url, { clientId: 'intruder', username: 'intruder', password });
    extra.push(intruder);
    const before = hub.published.length;
    const wasClosed = closed(intruder);
    intruder.publish(topics.batches('good', 0), Buffer.from('forged batch'), { qos: 1 });
    await wasClosed;
    const line = await hub.waitForLog((l) => l.reason === 'foreign_topic' && l.agentId === 'intruder');
    expect(line.topic).toBe(topics.batches('good', 0));
    expect(hub.published.slice(before).filter((entry) => entry.agentId === 'intruder')).toEqual([]);
    // a topic outside the protocol's root is foreign too
    const again = await connectClient(hub.url, { clientId: 'intruder', username: 'intruder', password });
    extra.push(again);
    const againClosed = closed(again);
    again.publish('$SYS/broker/clients', 'x', { qos: 0 });
    await againClosed;
    expect(hub.published.slice(before).filter((entry) => entry.agentId === 'intruder')).toEqual([]);
    await stillServes(hub, good, 'good');
  });

  test('subscribing to another agent\'s topic is answered with SUBACK 0x80; its own topics are granted', async () => {
    const password = await hub.addAgent('peeker');
    const peeker = await connectClient(hub.url, { clientId: 'peeker', username: 'peeker', password });
    extra.push(peeker);
    await expect(peeker.subscribeAsync(topics.positions('good'), { qos: 1 })).rejects.toMatchObject({ packet: { granted: [0x80] } });
    await expect(peeker.subscribeAsync('tributary/v1/agents/+/positions', { qos: 1 })).rejects.toMatchObject({ packet: { granted: [0x80] } });
    await expect(peeker.subscribeAsync('#', { qos: 0 })).rejects.toMatchObject({ packet: { granted: [0x80] } });
    await hub.waitForLog((l) => l.reason === 'foreign_subscription' && l.agentId === 'peeker');
    const granted = await peeker.subscribeAsync(topics.positions('peeker'), { qos: 1 });
    expect(granted.map((grant) => grant.qos)).toEqual([1]);
    // the hub's positions reach the agent that owns them, and only it
    const received = new Promise<string>((resolve) => peeker.once('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)));
    await hub.broker.publishTo(topics.positions('peeker'), '{"next":{}}', 1);
    expect(await received).toBe(`${topics.positions('peeker')} {"next":{}}`);
    expect(peeker.connected).toBe(true);
    await stillServes(hub, good, 'good');
  });

  test('an oversized packet drops the connection with a log line; nothing reaches onPublish', async () => {
    const password = await hub.addAgent('bulky');
    const bulky = await connectClient(hub.url, { clientId: 'bulky', username: 'bulky', password });
    extra.push(bulky);
    const before = hub.published.length;
    const wasClosed = closed(bulky);
    bulky.publish(topics.batches('bulky', 0), Buffer.alloc(10_000, 1), { qos: 1 });
    await wasClosed;
    const line = await hub.waitForLog((l) => l.reason === 'oversized_packet' && l.agentId === 'bulky');
    expect(line.limit).toBe(4096);
    expect(Number(line.packetBytes)).toBeGreaterThan(10_000);
    expect(hub.published.slice(before).filter((entry) => entry.agentId === 'bulky')).toEqual([]);
    await stillServes(hub, good, 'good');
  });

  test('the size check reads the header: a packet announcing 200 MB is refused before its body arrives', async () => {
    const socket = connect(hub.broker.addresses.mqtt!.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    // PUBLISH fixed header with remaining length 200,000,000 (varint), then only a few bytes of body
    const length = 200_000_000;
    const varint: number[] = [];
    for (let rest = length; ; ) {
      const byte = rest % 128;
      rest = Math.floor(rest / 128);
      varint.push(rest > 0 ? byte | 0x80 : byte);
      if (rest === 0) break;
    }
    socket.write(Buffer.from([0x30, ...varint, 0, 1, 0x61]));
    await socketClosed;
    const line = await hub.waitForLog((l) => l.reason === 'oversized_packet' && l.packetBytes === 1 + varint.length + length);
    expect(line.msg).toContain('limits.max_packet_bytes');
    await stillServes(hub, good, 'good');
  });

  test('past limits.max_connections a client is refused with CONNACK 3 while the others keep working', async () => {
    const open = hub.broker.clients().length;
    const fillers: MqttClient[] = [];
    for (let i = open; i < 6; i++) {
      const id = `filler-${i}`;
      const password = await hub.addAgent(id);
      fillers.push(await connectClient(hub.url, { clientId: id, username: id, password }));
    }
    extra.push(...fillers);
    const password = await hub.addAgent('one-too-many');
    await expect(connectClient(hub.url, { clientId: 'one-too-many', username: 'one-too-many', password })).rejects.toMatchObject({ code: 3 });
    await hub.waitForLog((l) => l.reason === 'connection_limit');
    await stillServes(hub, good, 'good');
    await stillServes(hub, fillers[0]!, fillers[0]!.options.clientId!);
    // a freed slot is usable again
    await fillers.pop()!.endAsync(true);
    await expect.poll(() => hub.broker.clients().length).toBe(5);
    extra.push(await connectClient(hub.url, { clientId: 'one-too-many', username: 'one-too-many', password }));
  });

  test('refusals are counted by reason', () => {
    for (const reason of ['wrong_password', 'unknown_agent', 'anonymous', 'client_id', 'revoked', 'foreign_topic', 'foreign_subscription', 'oversized_packet', 'connection_limit']) {
      expect(hub.metrics.get('tributary_hub_refusals_total', { reason }), reason).toBeGreaterThan(0);
    }
  });
});

describe('hub broker over TLS', () => {
  const dir = tempDir('tributary-hub-tls-');
  let hub: TestHub;

  beforeAll(async () => {
    const cert = join(dir.path, 'cert.pem');
    const key = join(dir.path, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    // indented: it continues the harness' `listeners:` section
    hub = await startTestHub({ yaml: `  mqtts: { host: 127.0.0.1, port: 0, cert_file: ${cert}, key_file: ${key} }\n` });
  });

  afterAll(async () => {
    await hub?.stop();
    dir.remove();
  });

  test('an agent authenticates and publishes over mqtts with the hub\'s certificate as its CA', async () => {
    const password = await hub.addAgent('secure');
    const client = await connectClient(hub.tlsUrl!, { clientId: 'secure', username: 'secure', password, ca: readFileSync(join(dir.path, 'cert.pem')) });
    await client.publishAsync(topics.status('secure'), 'ok', { qos: 1 });
    expect(hub.published.map((entry) => entry.agentId)).toEqual(['secure']);
    expect(hub.broker.clients().map((agent) => agent.listener)).toEqual(['mqtts']);
    await client.endAsync(true);
  });

  test('a wrong password over TLS is refused with CONNACK 4 too', async () => {
    await hub.addAgent('secure2');
    await expect(connectClient(hub.tlsUrl!, { clientId: 'secure2', username: 'secure2', password: 'wrong-password', ca: readFileSync(join(dir.path, 'cert.pem')) })).rejects.toMatchObject({ code: 4 });
  });
});
