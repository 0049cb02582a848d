import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { MqttSource } from '../../../agent/sources/mqtt/source.js';
import { startMqttSensors, type ClimateReading, type MqttSensorsHandle, type PublishedMessage } from '../../../sim-devices/mqtt/index.js';
import { startBroker, type TestBroker } from '../../helpers/broker.js';
import { recordingContext, waitFor } from './recording-context.js';
import { mqttConfig } from './source-config.js';

describe('simulated MQTT sensors', () => {
  let broker: TestBroker;
  let subscriber: MqttClient;
  const received: { topic: string; payload: Buffer }[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    broker = await startBroker();
    subscriber = await mqtt.connectAsync(broker.url, { clientId: 'sim-test-subscriber' });
    subscriber.on('message', (topic, payload) => received.push({ topic, payload }));
    await subscriber.subscribeAsync('greenhouse/#', { qos: 1 });
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    received.length = 0;
  });

  afterAll(async () => {
    await subscriber.endAsync(true);
    await broker.stop();
  });

  async function start(options: Parameters<typeof startMqttSensors>[0]): Promise<MqttSensorsHandle> {
    const sensors = await startMqttSensors(options);
    cleanups.push(() => sensors.stop());
    return sensors;
  }

  it('publishes realistic JSON climate readings per device, counting broker acknowledgements', async () => {
    const acknowledged: PublishedMessage[] = [];
    const sensors = await start({ url: broker.url, count: 3, ratePerSec: 100, messagesPerDevice: 20, seed: 11, onAcknowledged: (m) => acknowledged.push(m) });
    await sensors.done();
    expect(sensors.devices).toEqual(['gh-001', 'gh-002', 'gh-003']);
    expect(sensors.counts()).toEqual({ published: 60, acknowledged: 60, garbage: 0, failed: 0, connectionErrors: 0 });
    expect(acknowledged).toHaveLength(60);
    await waitFor(() => received.length === 60, '60 messages at the subscriber');

    for (const device of sensors.devices) {
      const readings = received.filter((m) => m.topic === `greenhouse/${device}/climate`).map((m) => JSON.parse(m.payload.toString()) as ClimateReading);
      expect(readings.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      for (const r of readings) {
        expect(r.device).toBe(device);
        expect(r.temperature_c).toBeGreaterThan(5);
        expect(r.temperature_c).toBeLessThan(40);
        expect(r.humidity_pct).toBeGreaterThanOrEqual(20);
        expect(r.humidity_pct).toBeLessThanOrEqual(99);
        expect(r.co2_ppm).toBeGreaterThanOrEqual(380);
        expect(Number.isInteger(r.co2_ppm)).toBe(true);
      }
      // Noise: consecutive readings of a device are not all equal.
      expect(new Set(readings.map((r) => r.temperature_c)).size).toBeGreaterThan(1);
    }
  });

  it('sends garbage payloads in fault mode, which the MQTT source keeps as dead letters', async () => {
    const context = recordingContext('greenhouse');
    const source = new MqttSource(mqttConfig(broker.url), context);
    cleanups.push(() => source.stop());
    await source.start();

    const sensors = await start({ url: broker.url, count: 2, ratePerSec: 200, messagesPerDevice: 100, seed: 3, faults: { garbageProbability: 0.2 } });
    await sensors.done();
    const counts = sensors.counts();
    expect(counts.published).toBe(200);
    expect(counts.acknowledged).toBe(200);
    expect(counts.garbage).toBeGreaterThan(10);
    expect(counts.garbage).toBeLessThan(80);

    await context.until(() => context.records.length + context.deadLetters.length === 200, 'every message as a record or a dead letter');
    expect(context.deadLetters).toHaveLength(counts.garbage);
    expect(context.records).toHaveLength(200 - counts.garbage);
    expect(new Set(context.records.map((r) => r.key))).toEqual(new Set(['gh-001', 'gh-002']));
    // Readings of a device arrive in order (gaps are the garbage ones).
    for (const device of ['gh-001', 'gh-002']) {
      const seqs = context.records.filter((r) => r.key === device).map((r) => (r.value as unknown as ClimateReading).seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it('is reproducible with a seed', async () => {
    const readings = async (): Promise<string[]> => {
      received.length = 0;
      const sensors = await start({ url: broker.url, count: 1, ratePerSec: 200, messagesPerDevice: 30, seed: 99, faults: { garbageProbability: 0.1 } });
      await sensors.done();
      await waitFor(() => received.length === 30, '30 messages');
      // Event times (and the daily temperature cycle) differ between runs; faults and noise must not.
      return received.map((m) => {
        const text = m.payload.toString();
        if (!text.startsWith('{') || !text.endsWith('}')) return 'garbage';
        const reading = JSON.parse(text) as ClimateReading;
        return `${reading.seq}:${reading.co2_ppm}`;
      });
    };
    const first = await readings();
    expect(await readings()).toEqual(first);
  });
});
