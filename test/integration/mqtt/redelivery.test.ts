import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { MqttSource, mqttSourceMetrics } from '../../../agent/sources/mqtt/source.js';
import { startBroker, startMosquitto, startTcpProxy, type TcpProxy } from '../../helpers/broker.js';
import { recordingContext, type RecordingContext } from './recording-context.js';
import { mqttConfig } from './source-config.js';

/**
 * The persistent-session contract the source relies on, against both brokers (aedes and mosquitto
 * keep sessions differently): a QoS 1 message the source did not acknowledge (its record was not
 * durable) is redelivered to the next connection with the same client id; an acknowledged one is not.
 * The first source reaches the broker through a TCP relay that is cut, like a crash or a network failure.
 */
const brokers = [
  { name: 'aedes', start: async () => startBroker() },
  { name: 'mosquitto', start: async () => startMosquitto() },
];

describe.each(brokers)('redelivery with a persistent session ($name)', ({ start }) => {
  let broker: { port: number; url: string; stop(): Promise<void> };
  let publisher: MqttClient;
  let proxy: TcpProxy;
  const sources: MqttSource[] = [];

  beforeAll(async () => {
    broker = await start();
    publisher = await mqtt.connectAsync(broker.url, { clientId: `redelivery-publisher-${process.pid}` });
  });

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.stop()));
    await proxy?.close();
  });

  afterAll(async () => {
    await publisher?.endAsync(true);
    await broker?.stop();
  });

  async function startSource(url: string, clientId: string, context: RecordingContext): Promise<MqttSource> {
    const source = new MqttSource(mqttConfig(url, { client_id: clientId, clean_session: false }), context);
    sources.push(source);
    await source.start();
    expect(source.health().state).toBe('connected');
    return source;
  }

  async function publishReadings(device: string, count: number): Promise<void> {
    for (let seq = 0; seq < count; seq++) {
      await publisher.publishAsync(`greenhouse/${device}/climate`, JSON.stringify({ seq }), { qos: 1 });
    }
  }

  const seqs = (context: RecordingContext, key: string): number[] =>
    context.records.filter((r) => r.key === key).map((r) => (r.value as { seq: number }).seq);

  it('redelivers messages whose records never became durable', async () => {
    const clientId = `redeliver-${process.pid}-${Date.now()}`;
    proxy = await startTcpProxy(broker.port);
    const crashed = recordingContext('greenhouse', 'hold');
    const first = await startSource(proxy.url, clientId, crashed);
    await publishReadings('gh-1', 10);
    await crashed.until(() => crashed.records.length === 10, 'ten records handed to the held emit');

    proxy.cut();
    await first.stop();
    expect(crashed.metrics.get(mqttSourceMetrics.acksWithheld, { source: 'greenhouse', reason: 'connection_lost' })).toBe(10);

    const restarted = recordingContext('greenhouse');
    await startSource(broker.url, clientId, restarted);
    await restarted.until(() => restarted.records.length >= 10, 'the ten unacknowledged messages again');
    expect(seqs(restarted, 'gh-1')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('does not redeliver messages it acknowledged before a restart', async () => {
    const clientId = `no-redeliver-${process.pid}-${Date.now()}`;
    const durable = recordingContext('greenhouse');
    const first = await startSource(broker.url, clientId, durable);
    await publishReadings('gh-2', 10);
    await durable.until(() => durable.records.length === 10, 'ten records');
    // A clean stop: its DISCONNECT follows the PUBACKs on the same connection, so the broker has
    // processed them. (Cutting the connection instead could lose PUBACKs still in transit, which
    // the broker would rightly redeliver.)
    await first.stop();
    expect(durable.metrics.get(mqttSourceMetrics.acksPending, { source: 'greenhouse' })).toBe(0);

    const restarted = recordingContext('greenhouse');
    await startSource(broker.url, clientId, restarted);
    // A resumed session's backlog comes before anything published now: once the marker is here,
    // any redelivery would have arrived too.
    await publisher.publishAsync('greenhouse/marker/climate', JSON.stringify({ seq: -1 }), { qos: 1 });
    await restarted.until(() => restarted.records.some((r) => r.key === 'marker'), 'the marker');
    expect(seqs(restarted, 'gh-2')).toEqual([]);
  });

  it('queues messages published while the agent is away', async () => {
    const clientId = `offline-${process.pid}-${Date.now()}`;
    const before = recordingContext('greenhouse');
    const first = await startSource(broker.url, clientId, before);
    await first.stop();
    await publishReadings('gh-3', 5);

    const after = recordingContext('greenhouse');
    await startSource(broker.url, clientId, after);
    await after.until(() => after.records.length >= 5, 'five messages queued by the broker');
    expect(seqs(after, 'gh-3')).toEqual([0, 1, 2, 3, 4]);
  });
});
