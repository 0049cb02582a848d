import type { JsonSchema } from '../component.js';
import { secretRefSchema, type SecretRef } from '../flow/secrets.js';

/** `forward:` section, defaults applied. */
export interface ForwardConfig {
  url: string;
  /** User name at the hub; the agent id when absent. */
  username?: string;
  password?: SecretRef;
  ca_file?: string;
  /** Wire batches: consecutive stored batches of a partition are merged up to these sizes. */
  batch_max_records: number;
  batch_max_bytes: number;
  /** With nothing else to send, wait this long for more records before sending a small batch. */
  linger_ms: number;
  compression: 'none' | 'deflate';
  /** Batches published and not yet acknowledged, per partition. */
  max_in_flight: number;
  /** Cap on records sent per second (all partitions), so a backlog does not saturate a thin uplink; 0 = none. */
  max_records_per_sec: number;
  reconnect_min_ms: number;
  reconnect_max_ms: number;
  /** Connected this long, the reconnect backoff starts over. */
  stable_after_ms: number;
  hello_timeout_ms: number;
  keepalive_s: number;
}

export const forwardDefaults = {
  batch_max_records: 5000,
  batch_max_bytes: 1024 * 1024,
  linger_ms: 0,
  compression: 'none',
  max_in_flight: 8,
  max_records_per_sec: 0,
  reconnect_min_ms: 500,
  reconnect_max_ms: 5_000,
  stable_after_ms: 30_000,
  hello_timeout_ms: 10_000,
  keepalive_s: 30,
} as const satisfies Partial<ForwardConfig>;

const positiveInt = (description: string, def: number, minimum = 1) => ({ type: 'integer', minimum, default: def, description });

/** JSON Schema of the `forward:` section. */
export const forwardSchema: JsonSchema = {
  type: 'object',
  description: 'Where and how the agent forwards its log to the hub (at-least-once: a record leaves the log only after the hub acknowledged it).',
  required: ['url'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', pattern: '^(mqtt|mqtts)://', description: 'The hub: mqtt://hub:1883 or mqtts://hub:8883 (TLS).' },
    username: { type: 'string', minLength: 1, description: 'User name at the hub; defaults to agent.id (the hub ties credentials and topics to it).' },
    password: { ...secretRefSchema, description: `The agent's password at the hub (tributary hub agent add ID). ${secretRefSchema.description}` },
    ca_file: { type: 'string', description: 'PEM file of the CA that signed the hub certificate (mqtts://), for a private CA.' },
    batch_max_records: positiveInt('At most this many records per message to the hub (consecutive stored batches are merged).', forwardDefaults.batch_max_records),
    batch_max_bytes: positiveInt('At most about this many bytes per message to the hub; keep it under the hub\'s limits.max_packet_bytes.', forwardDefaults.batch_max_bytes, 1024),
    linger_ms: positiveInt('With nothing else to send, wait this long for more records before sending a small batch (fewer, larger messages on a metered link).', forwardDefaults.linger_ms, 0),
    compression: { enum: ['none', 'deflate'], default: forwardDefaults.compression, description: 'deflate: compress batches over 1 KiB (JSON shrinks 3-10x; costs CPU on the agent).' },
    max_in_flight: positiveInt('Messages sent and not yet acknowledged by the hub, per partition.', forwardDefaults.max_in_flight),
    max_records_per_sec: positiveInt('Cap on records sent per second, so draining a backlog does not saturate a thin uplink; 0 = no cap.', forwardDefaults.max_records_per_sec, 0),
    reconnect_min_ms: positiveInt('First reconnect delay; doubles per failure, with full jitter.', forwardDefaults.reconnect_min_ms),
    reconnect_max_ms: positiveInt('Largest reconnect delay. With full jitter the mean wait after the hub is back is about a third of it; a large fleet may raise it to spread reconnects (each costs the hub one password check).', forwardDefaults.reconnect_max_ms),
    stable_after_ms: positiveInt('Connected this long, the reconnect delay starts over from reconnect_min_ms.', forwardDefaults.stable_after_ms),
    hello_timeout_ms: positiveInt('How long to wait for the hub\'s positions after connecting before trying again.', forwardDefaults.hello_timeout_ms),
    keepalive_s: positiveInt('MQTT keepalive: a silent connection is declared dead after 1.5x this.', forwardDefaults.keepalive_s),
  },
};
