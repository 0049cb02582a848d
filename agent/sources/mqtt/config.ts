import type { ConfigProblem, JsonSchema } from '../../component.js';
import { secretRefSchema, type SecretRef } from '../../flow/secrets.js';
import { checkParserConfig, parserConfigSchema, type ParserConfig } from '../../parsers/index.js';
import { keyLevelProblem, topicFilterProblem } from './topics.js';

/** QoS levels the source subscribes with. QoS 2 is left out: the log is at-least-once anyway. */
export type SubscribeQos = 0 | 1;

/** One subscription: a topic filter and, optionally, its own QoS. */
export interface TopicSubscription {
  filter: string;
  qos?: SubscribeQos;
}

/** `type: mqtt` options, with defaults applied by the flow loader. */
export interface MqttSourceConfig {
  type: 'mqtt';
  url: string;
  client_id?: string;
  username?: string;
  password?: SecretRef;
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
  topics: (string | TopicSubscription)[];
  qos: SubscribeQos;
  clean_session: boolean;
  keepalive_s: number;
  connect_timeout_ms: number;
  reconnect_min_ms: number;
  reconnect_max_ms: number;
  max_in_flight: number;
  stop_timeout_ms: number;
  parser: ParserConfig;
  key_from_topic_level?: number;
  key?: string;
}

/** Defaults, also used by code that builds a config without the flow loader (tests, benchmarks). */
export const mqttSourceDefaults = {
  qos: 1,
  clean_session: false,
  keepalive_s: 30,
  connect_timeout_ms: 10_000,
  reconnect_min_ms: 500,
  reconnect_max_ms: 30_000,
  max_in_flight: 5000,
  stop_timeout_ms: 5000,
  parser: { format: 'json' },
} as const satisfies Partial<MqttSourceConfig>;

const qosSchema = { enum: [0, 1] } as const;

export const mqttSourceSchema: JsonSchema = {
  type: 'object',
  description: 'Subscribes to topics on an MQTT broker (3.1.1) and turns each message into a record. QoS 1 messages are acknowledged to the broker only once their record is durable in the log.',
  properties: {
    type: { const: 'mqtt', description: 'Source type.' },
    url: {
      type: 'string',
      pattern: '^(mqtt|mqtts|ws|wss)://',
      description: 'Broker URL: mqtt://host:1883, mqtts://host:8883 (TLS), ws://host/mqtt or wss://host/mqtt (WebSocket).',
    },
    client_id: {
      type: 'string',
      minLength: 1,
      description: 'MQTT client id. Defaults to tributary-<source id>-<hostname>, stable across restarts so the broker finds the persistent session again. Two clients with the same id kick each other off the broker.',
    },
    username: { type: 'string', description: 'User name for the broker, if it asks for one.' },
    password: { ...secretRefSchema, description: `Password for the broker. ${secretRefSchema.description}` },
    ca_file: { type: 'string', description: 'PEM file of the CA that signed the broker certificate (mqtts://, wss://), for brokers with a private CA.' },
    cert_file: { type: 'string', description: 'PEM client certificate, for brokers that authenticate clients by certificate (needs key_file).' },
    key_file: { type: 'string', description: 'PEM private key of cert_file.' },
    topics: {
      type: 'array',
      minItems: 1,
      description: 'Topic filters to subscribe to (+ matches one level, # the rest), each a string or { filter, qos }.',
      items: {
        oneOf: [
          { type: 'string', minLength: 1 },
          {
            type: 'object',
            properties: {
              filter: { type: 'string', minLength: 1, description: 'Topic filter, e.g. greenhouse/+/climate.' },
              qos: { ...qosSchema, description: 'QoS for this filter (overrides qos).' },
            },
            required: ['filter'],
            additionalProperties: false,
          },
        ],
      },
    },
    qos: {
      ...qosSchema,
      default: mqttSourceDefaults.qos,
      description: 'Subscription QoS. 1: the broker redelivers a message until the agent acknowledges it, which it does only once the record is durable. 0: a message is lost if the agent is down or crashes.',
    },
    clean_session: {
      type: 'boolean',
      default: mqttSourceDefaults.clean_session,
      description: 'false (default) keeps a persistent session on the broker: while the agent is down or reconnecting, the broker keeps the subscriptions and queues QoS 1 messages for it, and it redelivers every message the agent had not acknowledged (not yet durable). true starts afresh on every connect: messages sent meanwhile are lost.',
    },
    keepalive_s: { type: 'integer', minimum: 0, default: mqttSourceDefaults.keepalive_s, description: 'Seconds between pings when idle; a dead connection is noticed after 1.5 times this. 0 disables pings.' },
    connect_timeout_ms: { type: 'integer', minimum: 100, default: mqttSourceDefaults.connect_timeout_ms, description: 'How long to wait for the broker to accept a connection before retrying.' },
    reconnect_min_ms: { type: 'integer', minimum: 0, default: mqttSourceDefaults.reconnect_min_ms, description: 'First reconnect delay ceiling; delays double per failed attempt up to reconnect_max_ms, each picked at random below the ceiling (full jitter).' },
    reconnect_max_ms: { type: 'integer', minimum: 1, default: mqttSourceDefaults.reconnect_max_ms, description: 'Largest reconnect delay.' },
    max_in_flight: {
      type: 'integer',
      minimum: 1,
      default: mqttSourceDefaults.max_in_flight,
      description: 'Messages handed to the flow but not yet durable; at this many the source stops reading from the broker until the log catches up. Brokers cap unacknowledged QoS 1 messages per client too (mosquitto: max_inflight_messages, default 20); raise that for throughput.',
    },
    stop_timeout_ms: { type: 'integer', minimum: 0, default: mqttSourceDefaults.stop_timeout_ms, description: 'On stop, how long to wait for messages in flight to become durable (and be acknowledged) before disconnecting; the rest are redelivered by the broker later.' },
    parser: { ...parserConfigSchema, default: mqttSourceDefaults.parser, description: 'How to parse each payload (UTF-8 text) into a record value; default JSON.' },
    key_from_topic_level: {
      type: 'integer',
      minimum: 0,
      description: 'Takes the record key from this topic level (0-based): with greenhouse/+/climate, level 1 is the device id. A parser key_field found in the payload takes precedence. With neither this nor key, the key is the whole topic.',
    },
    key: { type: 'string', minLength: 1, description: 'A fixed record key for the messages of this source (a parser key_field found in the payload takes precedence).' },
  },
  required: ['type', 'url', 'topics'],
  additionalProperties: false,
};

/** Checks what the schema cannot: topic filter syntax, key level against the filters, option pairs. */
export function checkMqttSourceConfig(config: MqttSourceConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = checkParserConfig(config.parser ?? mqttSourceDefaults.parser).map((p) => ({ ...p, path: ['parser', ...p.path] }));
  config.topics.forEach((topic, index) => {
    const filter = typeof topic === 'string' ? topic : topic.filter;
    const path = typeof topic === 'string' ? ['topics', index] : ['topics', index, 'filter'];
    const syntax = topicFilterProblem(filter);
    if (syntax) problems.push({ path, message: syntax });
    else if (config.key_from_topic_level !== undefined) {
      const level = keyLevelProblem(filter, config.key_from_topic_level);
      if (level) problems.push({ path: ['key_from_topic_level'], message: level });
    }
  });
  if (config.key !== undefined && config.key_from_topic_level !== undefined) {
    problems.push({ path: ['key'], message: 'set either key (a fixed key) or key_from_topic_level, not both' });
  }
  if ((config.reconnect_min_ms ?? 0) > (config.reconnect_max_ms ?? Infinity)) {
    problems.push({ path: ['reconnect_min_ms'], message: `reconnect_min_ms (${config.reconnect_min_ms}) must not exceed reconnect_max_ms (${config.reconnect_max_ms})` });
  }
  if ((config.cert_file === undefined) !== (config.key_file === undefined)) {
    problems.push({ path: [config.cert_file === undefined ? 'cert_file' : 'key_file'], message: 'cert_file and key_file go together (a client certificate and its private key)' });
  }
  if (config.password !== undefined && config.username === undefined) {
    problems.push({ path: ['username'], message: 'a password needs a username (MQTT 3.1.1 sends no password without one)' });
  }
  const secure = /^(mqtts|wss):/.test(config.url);
  for (const file of ['ca_file', 'cert_file', 'key_file'] as const) {
    if (config[file] !== undefined && !secure) {
      problems.push({ path: [file], message: `${file} only applies to TLS connections: use an mqtts:// or wss:// url` });
    }
  }
  return problems;
}
