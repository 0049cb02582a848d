import mqtt, { type MqttClient } from 'mqtt';
import { randomSeed, seededRandom, type Random } from '../../agent/sources/generate/random.js';
import { ClimateModel, garbagePayload } from './climate-model.js';

export interface MqttSensorFaults {
  /** Share of messages (0..1) replaced by garbage: truncated JSON, binary noise, an error line. */
  garbageProbability?: number;
}

export interface MqttSensorsOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  url: string;
  /** Number of devices, each with its own connection. Default 1. */
  count?: number;
  /** Topics are `<topicPrefix>/<device>/climate`. Default 'greenhouse'. */
  topicPrefix?: string;
  /** Device ids are `<devicePrefix>001`, ... Default 'gh-'. */
  devicePrefix?: string;
  /** Readings per second per device. Default 1. */
  ratePerSec?: number;
  /** Publish QoS. Default 1. */
  qos?: 0 | 1;
  /** Stop each device after this many messages. Default: until `stop()`. */
  messagesPerDevice?: number;
  faults?: MqttSensorFaults;
  /** Same seed, same readings and faults. Default: random. */
  seed?: number;
  /** Length of a simulated day in ms (the temperature cycle). Default 24 h. */
  dayMs?: number;
  /** Called for each QoS 1 message the broker acknowledged (PUBACK). */
  onAcknowledged?: (message: PublishedMessage) => void;
}

/** A message a simulated sensor sent. */
export interface PublishedMessage {
  device: string;
  seq: number;
  topic: string;
  /** The payload was garbage on purpose (fault mode). */
  garbage: boolean;
}

export interface MqttSensorCounts {
  published: number;
  /** QoS 1 messages the broker acknowledged. */
  acknowledged: number;
  /** Garbage payloads among the published ones. */
  garbage: number;
  /** Publishes mqtt.js reported as failed. */
  failed: number;
  /** Connection errors (broker down, refused); mqtt.js reconnects and resends meanwhile. */
  connectionErrors: number;
}

export interface MqttSensorsHandle {
  readonly devices: readonly string[];
  counts(): MqttSensorCounts;
  /** Resolves once every device published `messagesPerDevice` messages and each publish was answered (PUBACK, or failed). */
  done(): Promise<void>;
  /** Stops publishing; waits up to `timeoutMs` for outstanding PUBACKs, then disconnects. */
  stop(timeoutMs?: number): Promise<void>;
}

interface Device {
  id: string;
  topic: string;
  client: MqttClient;
  model: ClimateModel;
  random: Random;
  startedAt: number;
  sent: number;
  settled: number;
  timer: NodeJS.Timeout | undefined;
}

/** Starts simulated MQTT climate sensors publishing JSON readings; resolves once all are connected. */
export async function startMqttSensors(options: MqttSensorsOptions): Promise<MqttSensorsHandle> {
  const count = options.count ?? 1;
  const ratePerSec = options.ratePerSec ?? 1;
  const qos = options.qos ?? 1;
  const prefix = options.topicPrefix ?? 'greenhouse';
  const garbageProbability = options.faults?.garbageProbability ?? 0;
  const seed = options.seed ?? randomSeed();
  if (!(ratePerSec > 0)) throw new Error(`ratePerSec must be above 0, got ${ratePerSec}`);
  const counts: MqttSensorCounts = { published: 0, acknowledged: 0, garbage: 0, failed: 0, connectionErrors: 0 };
  let stopped = false;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const devices: Device[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${options.devicePrefix ?? 'gh-'}${String(i + 1).padStart(3, '0')}`;
    const random = seededRandom(seed + i);
    const client = mqtt.connect(options.url, { clientId: `sim-${prefix}-${id}-${process.pid}`, reconnectPeriod: 200, clean: true });
    // Without a listener an 'error' would crash the process; mqtt.js reconnects and keeps QoS 1 publishes queued.
    client.on('error', () => counts.connectionErrors++);
    devices.push({ id, topic: `${prefix}/${id}/climate`, client, model: new ClimateModel(id, random, options.dayMs), random, startedAt: 0, sent: 0, settled: 0, timer: undefined });
  }
  await Promise.all(devices.map((d) => (d.client.connected ? undefined : new Promise<void>((resolve) => d.client.once('connect', () => resolve())))));

  const allDone = (): boolean => options.messagesPerDevice !== undefined && devices.every((d) => d.settled >= options.messagesPerDevice!);

  const publishOne = (device: Device): void => {
    const reading = device.model.next(Date.now());
    const garbage = garbageProbability > 0 && device.random() < garbageProbability;
    const payload = garbage ? garbagePayload(device.random, reading) : JSON.stringify(reading);
    const message: PublishedMessage = { device: device.id, seq: reading.seq, topic: device.topic, garbage };
    counts.published++;
    if (garbage) counts.garbage++;
    device.sent++;
    device.client.publish(device.topic, payload, { qos }, (error) => {
      device.settled++;
      if (error) counts.failed++;
      else if (qos > 0) {
        counts.acknowledged++;
        options.onAcknowledged?.(message);
      }
      if (allDone()) finish();
    });
  };

  const tick = (device: Device): void => {
    device.timer = undefined;
    if (stopped) return;
    const limit = options.messagesPerDevice ?? Infinity;
    const due = Math.min(limit, Math.floor(((Date.now() - device.startedAt) * ratePerSec) / 1000) + 1);
    while (device.sent < due) publishOne(device);
    if (device.sent >= limit) return;
    const nextAt = device.startedAt + (device.sent * 1000) / ratePerSec;
    device.timer = setTimeout(() => tick(device), Math.max(0, nextAt - Date.now()));
  };

  // Stagger devices across one period so they do not all publish in the same millisecond.
  const now = Date.now();
  devices.forEach((device, i) => {
    device.startedAt = now + (i * 1000) / ratePerSec / count;
    device.timer = setTimeout(() => tick(device), Math.max(0, device.startedAt - now));
  });

  return {
    devices: devices.map((d) => d.id),
    counts: () => ({ ...counts }),
    done: () => (options.messagesPerDevice === undefined ? Promise.reject(new Error('done() needs messagesPerDevice')) : finished),
    stop: async (timeoutMs = 2000) => {
      stopped = true;
      for (const device of devices) clearTimeout(device.timer);
      await Promise.all(devices.map((d) => endWithin(d.client, timeoutMs)));
    },
  };
}

/** Ends a client once its in-flight publishes are acknowledged, forcing it after `timeoutMs`. */
async function endWithin(client: MqttClient, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = client.endAsync(false);
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([graceful.then(() => 'ended' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') client.stream.destroy();
}
