import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { MqttSource, mqttSourceMetrics } from '../../../agent/sources/mqtt/source.js';
import { freePort, startBroker, type TestBroker } from '../../helpers/broker.js';
import { recordingContext, waitFor, type RecordingContext } from './recording-context.js';
import { mqttConfig } from './source-config.js';
import type { MqttSourceConfig } from '../../../agent/sources/mqtt/config.js';

describe('mqtt source against aedes', () => {
  let broker: TestBroker;
  let publisher: MqttClient;
  const sources: MqttSource[] = [];

  beforeAll(async () => {
    broker = await startBroker();
    publisher = await mqtt.connectAsync(broker.url, { clientId: 'test-publisher', reconnectPeriod: 50 });
  });

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.stop()));
  });

  afterAll(async () => {
    await publisher.endAsync(true);
    await broker.stop();
  });

  async function startSource(context: RecordingContext, overrides: Partial<MqttSourceConfig> = {}): Promise<{ source: MqttSource; config: MqttSourceConfig }> {
    const config = mqttConfig(broker.url, overrides);
    const source = new MqttSource(config, context);
    sources.push(source);
    await source.start();
    expect(source.health().state).toBe('connected');
    return { source, config };
  }

  /** PUBACKs the broker received from one client. */
  function countAcks(clientId: string): { count: number } {
    const acks = { count: 0 };
    broker.aedes.on('ack', (_packet, client) => {
      if (client?.id === clientId) acks.count++;
    });
    return acks;
  }

  it('emits parsed JSON records keyed by a topic level, with source and topic attributes', async () => {
    const context = recordingContext('greenhouse');
    await startSource(context);
    await publisher.publishAsync('greenhouse/gh-1/climate', JSON.stringify({ temperature_c: 21.5, humidity_pct: 60 }), { qos: 1 });
    await publisher.publishAsync('greenhouse/gh-2/climate', JSON.stringify({ temperature_c: 19 }), { qos: 0 });
    await publisher.publishAsync('greenhouse/gh-1/other', JSON.stringify({ ignored: true }), { qos: 1 });
    await context.until(() => context.records.length === 2, 'two records');

    const byKey = Object.fromEntries(context.records.map((r) => [r.key, r]));
    expect(byKey['gh-1']?.value).toEqual({ temperature_c: 21.5, humidity_pct: 60 });
    expect(byKey['gh-1']?.attrs).toEqual({ source: 'greenhouse', topic: 'greenhouse/gh-1/climate' });
    expect(byKey['gh-2']?.value).toEqual({ temperature_c: 19 });
    expect(byKey['gh-2']?.attrs.topic).toBe('greenhouse/gh-2/climate');
    expect(context.records.every((r) => Number.isFinite(r.ts) && r.ts > 0)).toBe(true);
    expect(context.metrics.get(mqttSourceMetrics.messages, { source: 'greenhouse' })).toBe(2);
  });

  it('uses the parser key and event time when the payload has them, a fixed key otherwise', async () => {
    const context = recordingContext('plant');
    await startSource(context, {
      topics: [{ filter: 'plant/#', qos: 1 }],
      key_from_topic_level: undefined,
      key: 'plant-floor',
      parser: { format: 'json', key_field: 'device', ts_field: 'at' },
    });
    await publisher.publishAsync('plant/line-1', JSON.stringify({ device: 'press-7', at: 1_700_000_000_000, load: 3 }), { qos: 1 });
    await publisher.publishAsync('plant/line-2', JSON.stringify({ load: 4 }), { qos: 1 });
    await context.until(() => context.records.length === 2, 'two records');
    const [first, second] = context.records;
    expect(first).toMatchObject({ key: 'press-7', ts: 1_700_000_000_000, attrs: { topic: 'plant/line-1' } });
    expect(second).toMatchObject({ key: 'plant-floor', value: { load: 4 } });
  });

  it('keeps garbage payloads as dead letters with the raw payload and a reason, and keeps going', async () => {
    const context = recordingContext('greenhouse');
    await startSource(context);
    await publisher.publishAsync('greenhouse/gh-3/climate', '{"temperature_c": 2', { qos: 1 });
    await publisher.publishAsync('greenhouse/gh-3/climate', Buffer.from([0xff, 0xfe, 0x00, 0x41]), { qos: 1 });
    await publisher.publishAsync('greenhouse/gh-3/climate', JSON.stringify({ temperature_c: 22 }), { qos: 1 });
    await context.until(() => context.records.length === 1 && context.deadLetters.length === 2, 'one record and two dead letters');

    const [truncated, binary] = context.deadLetters;
    expect(truncated?.raw).toBe('{"temperature_c": 2');
    expect(truncated?.reason).toMatch(/JSON/);
    expect(truncated?.attrs).toEqual({ source: 'greenhouse', topic: 'greenhouse/gh-3/climate' });
    expect(binary?.raw).toBe(Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('base64'));
    expect(binary?.reason).toMatch(/UTF-8/);
    expect(binary?.attrs.encoding).toBe('base64');
    expect(context.records[0]).toMatchObject({ key: 'gh-3', value: { temperature_c: 22 } });
    expect(context.metrics.get(mqttSourceMetrics.badPayloads, { source: 'greenhouse', reason: 'parse' })).toBe(1);
    expect(context.metrics.get(mqttSourceMetrics.badPayloads, { source: 'greenhouse', reason: 'encoding' })).toBe(1);
  });

  it('withholds each PUBACK until its record is durable, while later messages keep flowing', async () => {
    const context = recordingContext('greenhouse', 'hold');
    const { config } = await startSource(context);
    const acks = countAcks(config.client_id!);
    const total = 50;
    await Promise.all(Array.from({ length: total }, (_, i) => publisher.publishAsync(`greenhouse/gh-${i % 5}/climate`, JSON.stringify({ seq: i }), { qos: 1 })));
    // Every message reached emit although none of the earlier ones is durable: no one-at-a-time stall.
    await context.until(() => context.records.length === total, `${total} records handed to emit`);
    expect(acks.count).toBe(0);
    expect(context.metrics.get(mqttSourceMetrics.acksPending, { source: 'greenhouse' })).toBe(total);

    context.release();
    await waitFor(() => acks.count === total, `${total} PUBACKs at the broker`);
    expect(context.metrics.get(mqttSourceMetrics.acksPending, { source: 'greenhouse' })).toBe(0);
    expect(context.records.map((r) => (r.value as { seq: number }).seq).sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('stops reading at max_in_flight and resumes as records become durable', async () => {
    const context = recordingContext('greenhouse', 'hold');
    await startSource(context, { max_in_flight: 3 });
    const published = Promise.all(Array.from({ length: 10 }, (_, i) => publisher.publishAsync('greenhouse/gh-1/climate', JSON.stringify({ seq: i }), { qos: 1 })));
    await context.until(() => context.records.length === 3, 'three records');
    // Give the socket a chance to deliver more: the source must not hand them over while three wait.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(context.records.length).toBe(3);
    context.mode = 'resolve';
    context.release();
    await context.until(() => context.records.length === 10, 'ten records');
    await published;
  });

  it('does not acknowledge when storing fails; the broker redelivers after the reconnect', async () => {
    const context = recordingContext('greenhouse', 'fail');
    const { source, config } = await startSource(context);
    const acks = countAcks(config.client_id!);
    await publisher.publishAsync('greenhouse/gh-9/climate', JSON.stringify({ seq: 1 }), { qos: 1 });
    await context.until(() => context.failures >= 1, 'a failed emit');
    expect(acks.count).toBe(0);
    context.mode = 'resolve';
    await waitFor(() => acks.count === 1, 'the PUBACK after redelivery');
    const attempts = context.records.filter((r) => r.key === 'gh-9');
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.every((r) => (r.value as { seq: number }).seq === 1)).toBe(true);
    expect(context.metrics.get(mqttSourceMetrics.emitFailures, { source: 'greenhouse' })).toBeGreaterThanOrEqual(1);
    await waitFor(() => source.health().state === 'connected', 'connected again');
  });

  it('waits on stop for messages in flight to become durable, and acknowledges them before disconnecting', async () => {
    const context = recordingContext('greenhouse', 'hold');
    const { source, config } = await startSource(context, { stop_timeout_ms: 5000 });
    const acks = countAcks(config.client_id!);
    await Promise.all(Array.from({ length: 5 }, (_, i) => publisher.publishAsync('greenhouse/gh-5/climate', JSON.stringify({ seq: i }), { qos: 1 })));
    await context.until(() => context.records.length === 5, 'five records');
    const stopped = source.stop();
    setTimeout(() => context.release(), 50);
    await stopped;
    expect(source.health().state).toBe('stopped');
    await waitFor(() => acks.count === 5, 'five PUBACKs');
    await waitFor(() => broker.aedes.connectedClients === 1, 'the source to disconnect (only the publisher left)');
  });

  it('starts while the broker is down and connects once it is up', async () => {
    const port = await freePort();
    const context = recordingContext('greenhouse');
    const source = new MqttSource(mqttConfig(`mqtt://127.0.0.1:${port}`), context);
    sources.push(source);
    await source.start();
    expect(source.health()).toMatchObject({ state: 'reconnecting', detail: expect.stringMatching(/ECONNREFUSED.*retrying in \d+ ms/) });
    const late = await startBroker({ port });
    try {
      await waitFor(() => source.health().state === 'connected', 'connected to the late broker', 10_000);
      const latePublisher = await mqtt.connectAsync(late.url);
      await latePublisher.publishAsync('greenhouse/gh-6/climate', JSON.stringify({ late: true }), { qos: 1 });
      await context.until(() => context.records.length === 1, 'a record from the late broker');
      await latePublisher.endAsync();
    } finally {
      await source.stop();
      await late.stop();
    }
  });

  it('stops promptly while it cannot reach the broker', async () => {
    const context = recordingContext('greenhouse');
    const source = new MqttSource(mqttConfig(`mqtt://127.0.0.1:${await freePort()}`, { reconnect_min_ms: 10, reconnect_max_ms: 20 }), context);
    await source.start();
    await waitFor(() => context.metrics.get(mqttSourceMetrics.reconnects, { source: 'greenhouse' }) >= 2, 'a few reconnect attempts');
    await source.stop();
    expect(source.health().state).toBe('stopped');
    const attempts = context.metrics.get(mqttSourceMetrics.reconnects, { source: 'greenhouse' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(context.metrics.get(mqttSourceMetrics.reconnects, { source: 'greenhouse' })).toBe(attempts);
  });

  it('reconnects after the broker restarts on the same port', async () => {
    const context = recordingContext('greenhouse');
    const { source } = await startSource(context);
    await broker.stop();
    await waitFor(() => source.health().state === 'reconnecting', 'reconnecting state');
    expect(source.health().detail).toMatch(/retrying in \d+ ms/);
    await broker.restart();
    await waitFor(() => source.health().state === 'connected', 'connected again', 10_000);
    // The new broker has no session: the source subscribed again. Publish until one arrives (the
    // publisher reconnects on its own schedule).
    await waitFor(() => publisher.connected, 'publisher reconnected', 10_000);
    await publisher.publishAsync('greenhouse/gh-4/climate', JSON.stringify({ after: 'restart' }), { qos: 1 });
    await context.until(() => context.records.some((r) => r.key === 'gh-4'), 'a record published after the restart');
    expect(context.metrics.get(mqttSourceMetrics.reconnects, { source: 'greenhouse' })).toBeGreaterThanOrEqual(1);
  });
});
