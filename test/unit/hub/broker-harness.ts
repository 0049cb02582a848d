import { Writable } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { Metrics } from '../../../core/metrics.js';
import { startHubBroker, type AgentPublish, type HubBroker, type OnPublish } from '../../../hub/broker/broker.js';
import { loadHubConfigText } from '../../../hub/config/load.js';
import { CredentialStore } from '../../../hub/credentials/store.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A log line of the broker's pino logger. */
export type LogLine = Record<string, unknown> & { msg?: string; reason?: string };

/** A hub broker on loopback ports with a real credentials file, recording onPublish calls and log lines. */
export interface TestHub {
  broker: HubBroker;
  store: CredentialStore;
  metrics: Metrics;
  url: string;
  tlsUrl?: string;
  logs: LogLine[];
  /** Every onPublish call, in the order they started. */
  published: { agentId: string; packet: AgentPublish }[];
  /** Registers an agent and returns its password. */
  addAgent(agentId: string): Promise<string>;
  /** Resolves once a log line matches (polling the collected lines). */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  stop(): Promise<void>;
}

export interface TestHubOptions {
  /** Extra YAML under the top level (limits, auth, listeners.mqtts...). */
  yaml?: string;
  onPublish?: OnPublish;
  revocationCheckMs?: number;
}

/** Starts the broker with config from YAML (ports 0), a temp data dir and a capturing logger. */
export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const dir = tempDir('tributary-hub-test-');
  const text = `hub:\n  data_dir: ${dir.path}\nlisteners:\n  mqtt: { port: 0 }\n  http: { port: 0 }\n${options.yaml ?? ''}`;
  const config = loadHubConfigText(text, 'test-hub.yaml');
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as LogLine);
      callback();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const store = CredentialStore.open(config.hub.data_dir);
  const metrics = new Metrics();
  const published: TestHub['published'] = [];
  const onPublish: OnPublish = options.onPublish ?? (() => Promise.resolve());
  const broker = await startHubBroker({
    config,
    credentials: store,
    logger,
    metrics,
    revocationCheckMs: options.revocationCheckMs ?? 100,
    onPublish: (agentId, packet) => {
      published.push({ agentId, packet });
      return onPublish(agentId, packet);
    },
  });
  return {
    broker,
    store,
    metrics,
    url: `mqtt://127.0.0.1:${broker.addresses.mqtt!.port}`,
    ...(broker.addresses.mqtts === undefined ? {} : { tlsUrl: `mqtts://127.0.0.1:${broker.addresses.mqtts.port}` }),
    logs,
    published,
    addAgent: (agentId) => store.add(agentId),
    async waitForLog(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find(match);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms; lines:\n${logs.map((line) => JSON.stringify(line)).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      await broker.close();
      store.close();
      dir.remove();
    },
  };
}

/** Connects an mqtt.js client without reconnects; rejects with mqtt.js' error (its `code` is the CONNACK return code). */
export function connectClient(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...options });
    client.once('connect', () => {
      client.removeAllListeners('error');
      client.on('error', () => {
        // the tests watch 'close' for dropped connections
      });
      resolve(client);
    });
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (!client.connected) resolve();
    else client.once('close', () => resolve());
  });
}

/** A promise with its resolve function, to hold an onPublish call until a test lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
