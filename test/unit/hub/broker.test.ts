import { connect, createServer, type Server, type Socket } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import { topics } from '../../../core/protocol.js';
import { startHubBroker, type ConnectedAgent } from '../../../hub/broker/broker.js';
import { clientIdFits, mayPublish, maySubscribe } from '../../../hub/broker/acl.js';
import { loadHubConfigText } from '../../../hub/config/load.js';
import { CredentialStore } from '../../../hub/credentials/store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { closed, connectClient, deferred, startTestHub, type TestHub } from './broker-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function hubWith(options: Parameters<typeof startTestHub>[0]): Promise<TestHub> {
  const hub = await startTestHub(options);
  cleanups.push(() => hub.stop());
  return hub;
}

async function agent(hub: TestHub, agentId: string): Promise<MqttClient> {
  const password = await hub.addAgent(agentId);
  const client = await connectClient(hub.url, { clientId: agentId, username: agentId, password });
  cleanups.push(() => client.endAsync(true));
  return client;
}

describe('ACL rules', () => {
  test('an agent publishes and subscribes only below its own prefix', () => {
    expect(mayPublish('gps-1', topics.batches('gps-1', 3))).toBe(true);
    expect(mayPublish('gps-1', topics.batches('gps-10', 3))).toBe(false);
    expect(mayPublish('gps-1', 'tributary/v1/agents/gps-1')).toBe(false);
    expect(maySubscribe('gps-1', topics.positions('gps-1'))).toBe(true);
    expect(maySubscribe('gps-1', `${topics.agentPrefix('gps-1')}#`)).toBe(true);
    expect(maySubscribe('gps-1', 'tributary/v1/agents/+/positions')).toBe(false);
    expect(maySubscribe('gps-1', '#')).toBe(false);
  });

  test('a client id is the forwarder\'s tributary-agent-<id>, the agent id, or starts with "<agent id>:"', () => {
    expect(clientIdFits('gps-1', 'tributary-agent-gps-1')).toBe(true);
    expect(clientIdFits('gps-1', 'tributary-agent-gps-10')).toBe(false);
    expect(clientIdFits('gps-1', 'gps-1')).toBe(true);
    expect(clientIdFits('gps-1', 'gps-1:tool')).toBe(true);
    expect(clientIdFits('gps-1', 'gps-10')).toBe(false);
    expect(clientIdFits('gps-1', 'mqttjs_1234')).toBe(false);
  });
});

describe('onPublish', () => {
  test('calls for one client start in the order it sent them, without waiting for earlier ones; two clients are served in parallel', async () => {
    const active = new Map<string, number>();
    let maxActivePerClient = 0;
    const order: string[] = [];
    // a's first call waits until b's first call has started: a broker that served clients one at a time would never get there
    const bStarted = deferred();
    const hub = await hubWith({
      yaml: 'limits:\n  max_in_flight_per_client: 8\n',
      onPublish: async (agentId, packet) => {
        const now = (active.get(agentId) ?? 0) + 1;
        active.set(agentId, now);
        maxActivePerClient = Math.max(maxActivePerClient, now);
        order.push(`${agentId}:${packet.payload.toString()}`);
        if (agentId === 'b' && packet.payload.toString() === '0') bStarted.resolve();
        if (agentId === 'a' && packet.payload.toString() === '0') {
          await Promise.race([bStarted.promise, new Promise((_, reject) => setTimeout(() => reject(new Error('b was not served while a waited')), 5000))]);
        }
        // let other callbacks run between start and end, so overlapping calls would show
        await new Promise((resolve) => setImmediate(resolve));
        active.set(agentId, (active.get(agentId) ?? 1) - 1);
      },
    });
    const [a, b] = await Promise.all([agent(hub, 'a'), agent(hub, 'b')]);
    const sends = (client: MqttClient, id: string) => Array.from({ length: 20 }, (_, i) => client.publishAsync(topics.batches(id, 0), String(i), { qos: 1 }));
    const aDone = Promise.all(sends(a, 'a'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([aDone, ...sends(b, 'b')]);

    // pipelined: the client's publishes in flight were all handed over before the first settled
    expect(maxActivePerClient).toBeGreaterThan(1);
    expect(maxActivePerClient).toBeLessThanOrEqual(8);
    const sequence = (id: string) => order.filter((entry) => entry.startsWith(`${id}:`)).map((entry) => Number(entry.split(':')[1]));
    expect(sequence('a')).toEqual([...Array(20).keys()]);
    expect(sequence('b')).toEqual([...Array(20).keys()]);
    // b's first call started while a's first was still running (a:0 waited for it, or failed after 5 s)
    expect(order).toContain('b:0');
  });

  test('publishes answered after their connection closed are not logged once each', async () => {
    const gates: ReturnType<typeof deferred<void>>[] = [];
    const hub = await hubWith({
      onPublish: () => {
        const held = deferred<void>();
        gates.push(held);
        return held.promise;
      },
    });
    const client = await agent(hub, 'gone');
    for (let i = 0; i < 3; i++) client.publish(topics.batches('gone', 0), String(i), { qos: 1 }, () => undefined);
    await expect.poll(() => gates.length).toBe(3);
    client.end(true);
    await hub.waitForLog((line) => String(line.msg).includes('agent gone disconnected'));
    for (const held of gates) held.resolve();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hub.logs.filter((line) => String(line.msg).includes('closed: connection closed'))).toEqual([]);
  });

  test('the PUBACK waits for onPublish to resolve', async () => {
    const gate = deferred();
    const hub = await hubWith({ onPublish: () => gate.promise });
    const client = await agent(hub, 'slow');
    let acked = false;
    const publish = client.publishAsync(topics.hello('slow'), '{}', { qos: 1 }).then(() => (acked = true));
    await expect.poll(() => hub.published.length).toBe(1);
    // the broker got it and the client is still waiting for its PUBACK
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(acked).toBe(false);
    gate.resolve();
    await publish;
    expect(acked).toBe(true);
  });

  test('past max_in_flight_per_client the hub stops reading the client until a publish is answered', async () => {
    const gates: { resolve: () => void }[] = [];
    const hub = await hubWith({
      yaml: 'limits:\n  max_in_flight_per_client: 3\n',
      onPublish: () => {
        const gate = deferred();
        gates.push(gate);
        return gate.promise;
      },
    });
    const client = await agent(hub, 'eager');
    const acks = Array.from({ length: 10 }, (_, i) => client.publishAsync(topics.batches('eager', 0), String(i), { qos: 1 }));
    await expect.poll(() => hub.broker.clients()[0]?.publishesInFlight).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // held at three, all three handed to onPublish; the other seven wait unread in the socket
    expect(hub.broker.clients()[0]?.publishesInFlight).toBe(3);
    expect(hub.published).toHaveLength(3);
    for (let released = 0; released < 10; released++) {
      await expect.poll(() => gates.length).toBeGreaterThan(released);
      expect(hub.broker.clients()[0]!.publishesInFlight).toBeLessThanOrEqual(3);
      expect(gates.length - released).toBeLessThanOrEqual(3);
      gates[released]!.resolve();
    }
    await Promise.all(acks);
    expect(hub.published.map((entry) => entry.packet.payload.toString())).toEqual([...Array(10).keys()].map(String));
  });

  test('a rejected publish drops the connection with one log line; later publishes are never acknowledged; others go on', async () => {
    const hub = await hubWith({
      onPublish: (_agentId, packet) => (packet.payload.toString() === 'bad' ? Promise.reject(new Error('bad CRC')) : Promise.resolve()),
    });
    const bad = await agent(hub, 'bad-agent');
    const good = await agent(hub, 'good-agent');
    const wasClosed = closed(bad);
    const acked: string[] = [];
    for (const payload of ['ok', 'bad', 'after-1', 'after-2']) bad.publish(topics.batches('bad-agent', 0), payload, { qos: 1 }, (error) => void (error ? undefined : acked.push(payload)));
    await wasClosed;
    const lines = hub.logs.filter((line) => line.reason === 'publish_rejected');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toContain('bad CRC');
    // aedes' own "client error" line is not logged a second time
    expect(hub.logs.filter((line) => String(line.msg).includes('bad CRC'))).toHaveLength(1);
    // Handed over in order as they arrived (the handler keeps order and fails what follows a failure itself);
    // whatever came after the rejected one is never acknowledged: the agent sends it again.
    const seen = hub.published.filter((entry) => entry.agentId === 'bad-agent').map((entry) => entry.packet.payload.toString());
    expect(seen.slice(0, 2)).toEqual(['ok', 'bad']);
    expect(acked).not.toContain('bad');
    expect(acked.filter((payload) => payload.startsWith('after'))).toEqual([]);
    await good.publishAsync(topics.status('good-agent'), 'fine', { qos: 1 });
    expect(hub.published.at(-1)?.agentId).toBe('good-agent');
  });

  test('close() waits for the onPublish calls in progress', async () => {
    const gate = deferred();
    let finished = false;
    const hub = await startTestHub({ onPublish: () => gate.promise.then(() => void (finished = true)) });
    const client = await agent(hub, 'closing');
    client.publish(topics.hello('closing'), '{}', { qos: 1 });
    await expect.poll(() => hub.published.length).toBe(1);
    const stopping = hub.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(finished).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
  });
});

describe('connections', () => {
  test('agentConnected / agentDisconnected events and clients()', async () => {
    const hub = await hubWith({});
    const events: string[] = [];
    hub.broker.on('agentConnected', (info: ConnectedAgent) => events.push(`+${info.agentId}`));
    hub.broker.on('agentDisconnected', (info: ConnectedAgent) => events.push(`-${info.agentId}`));
    const client = await agent(hub, 'evented');
    const [info] = hub.broker.clients();
    expect(info).toMatchObject({ agentId: 'evented', clientId: 'evented', address: '127.0.0.1', listener: 'mqtt', publishesInFlight: 0 });
    expect(info!.connectedAt).toBeGreaterThan(Date.now() - 10_000);
    await client.endAsync();
    await expect.poll(() => events).toEqual(['+evented', '-evented']);
    expect(hub.broker.clients()).toEqual([]);
  });

  test('a second connection with the same client id replaces the first (an agent restarted)', async () => {
    const hub = await hubWith({});
    const password = await hub.addAgent('twice');
    const first = await connectClient(hub.url, { clientId: 'twice', username: 'twice', password });
    const firstClosed = closed(first);
    const second = await connectClient(hub.url, { clientId: 'twice', username: 'twice', password });
    cleanups.push(() => second.endAsync(true), () => first.endAsync(true));
    await firstClosed;
    await expect.poll(() => hub.broker.clients().length).toBe(1);
  });

  test('with auth.allow_anonymous a client without a password is the agent its username names, still held to its topics', async () => {
    const hub = await hubWith({ yaml: 'auth:\n  allow_anonymous: true\n' });
    const client = await connectClient(hub.url, { clientId: 'dev-1', username: 'dev-1' });
    cleanups.push(() => client.endAsync(true));
    await client.publishAsync(topics.status('dev-1'), 'x', { qos: 1 });
    expect(hub.published.map((entry) => entry.agentId)).toEqual(['dev-1']);
    await expect(connectClient(hub.url, { clientId: 'bad id!' })).rejects.toMatchObject({ code: 2 });
    const wasClosed = closed(client);
    client.publish(topics.status('dev-2'), 'x', { qos: 1 });
    await wasClosed;
    expect(hub.published).toHaveLength(1);
    expect(hub.logs.some((line) => String(line.msg).includes('allow_anonymous'))).toBe(true);
  });

  test('with auth.allow_anonymous a client that sends a password is still checked', async () => {
    const hub = await hubWith({ yaml: 'auth:\n  allow_anonymous: true\n' });
    await hub.addAgent('registered');
    await expect(connectClient(hub.url, { clientId: 'registered', username: 'registered', password: 'a-wrong-password' })).rejects.toMatchObject({ code: 4 });
  });
});

describe('idle sockets', () => {
  function rawSocket(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
      cleanups.push(() => void socket.destroy());
    });
  }
  const closedSocket = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

  test('a socket that never sends CONNECT is closed after connect_timeout_ms', async () => {
    const hub = await hubWith({ yaml: 'limits:\n  connect_timeout_ms: 200\n' });
    const socket = await rawSocket(hub.broker.addresses.mqtt!.port);
    await closedSocket(socket);
    expect(socket.destroyed).toBe(true);
  });

  test('sockets past twice max_connections are closed at once, with a log line', async () => {
    const hub = await hubWith({ yaml: 'limits:\n  max_connections: 1\n' });
    const port = hub.broker.addresses.mqtt!.port;
    const idle = [await rawSocket(port), await rawSocket(port)];
    const third = await rawSocket(port);
    await closedSocket(third);
    await hub.waitForLog((line) => line.reason === 'connection_limit' && String(line.msg).includes('twice limits.max_connections'));
    expect(idle.map((socket) => socket.destroyed)).toEqual([false, false]);
  });
});

describe('startHubBroker errors', () => {
  test('a port in use fails with ERR_HUB_LISTEN naming the listener', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const config = loadHubConfigText(`hub: { data_dir: ${dir.path} }\nlisteners:\n  mqtt: { port: ${port} }\n`, 'hub.yaml');
    const store = CredentialStore.open(dir.path);
    cleanups.push(() => store.close());
    await expect(startHubBroker({ config, credentials: store, onPublish: async () => {}, logger: silentLogger() })).rejects.toMatchObject({ code: 'ERR_HUB_LISTEN', message: expect.stringContaining(`127.0.0.1:${port}`) });
  });

  test('a missing TLS file fails with ERR_HUB_TLS_FILE', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const config = loadHubConfigText(`hub: { data_dir: ${dir.path} }\nlisteners:\n  mqtt: { port: 0 }\n  mqtts: { port: 0, cert_file: ${dir.path}/nope.pem, key_file: ${dir.path}/nope.key }\n`, 'hub.yaml');
    const store = CredentialStore.open(dir.path);
    cleanups.push(() => store.close());
    await expect(startHubBroker({ config, credentials: store, onPublish: async () => {}, logger: silentLogger() })).rejects.toMatchObject({ code: 'ERR_HUB_TLS_FILE', message: expect.stringContaining('nope.pem') });
  });
});

describe('publishTo', () => {
  test('reaches the agent subscribed to its positions, with QoS 1', async () => {
    const hub = await hubWith({});
    const client = await agent(hub, 'listener');
    await client.subscribeAsync(topics.positions('listener'), { qos: 1 });
    const received = new Promise<{ topic: string; payload: string; qos: number }>((resolve) => client.once('message', (topic, payload, packet) => resolve({ topic, payload: payload.toString(), qos: packet.qos })));
    await hub.broker.publishTo(topics.positions('listener'), Buffer.from('{"logId":"x","next":{"0":5}}'), 1);
    expect(await received).toEqual({ topic: topics.positions('listener'), payload: '{"logId":"x","next":{"0":5}}', qos: 1 });
  });
});
