import type { JsonSchema } from '../../core/config/json-schema.js';
import { byteSizeSchema } from '../../core/config/sizes.js';
import { AGENT_ID_PATTERN } from '../credentials/agent-id.js';

/** MQTT's own ceiling: a remaining length of at most 268,435,455 bytes. */
export const MQTT_MAX_PACKET_BYTES = 268_435_455 + 5;

const portSchema = (description: string, fallback: number): JsonSchema => ({
  description: `${description} 0 picks a free port (tests).`,
  type: 'integer',
  minimum: 0,
  maximum: 65_535,
  default: fallback,
});

const hostSchema = (description: string, fallback: string): JsonSchema => ({
  description,
  type: 'string',
  minLength: 1,
  default: fallback,
});

function hubSection(): JsonSchema {
  return {
    description: 'Who this hub is and where it keeps its data.',
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      id: { description: 'The hub\'s name, in its logs and status.', type: 'string', pattern: AGENT_ID_PATTERN, maxLength: 128, default: 'hub' },
      data_dir: {
        description: 'Directory holding the hub log and `credentials.db` (the agents\' password hashes); created when missing. A relative path is relative to the hub\'s working directory.',
        type: 'string',
        minLength: 1,
        default: './data/hub',
      },
    },
  };
}

function listenersSection(): JsonSchema {
  return {
    description: 'Where the hub listens. Plain MQTT and HTTP listen on the loopback interface unless told otherwise: set `host: 0.0.0.0` (all interfaces) for agents on other machines, preferably on `mqtts` only, since plain MQTT carries the agents\' passwords in clear.',
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      mqtt: {
        description: 'MQTT 3.1.1 over TCP (no TLS).',
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          enabled: { description: 'Set false to accept agents over `mqtts` only.', type: 'boolean', default: true },
          host: hostSchema('Interface to listen on: 127.0.0.1 (this machine only, the default), 0.0.0.0 (every IPv4 interface: what a hub needs in production), :: (every interface, IPv4 and IPv6).', '127.0.0.1'),
          port: portSchema('TCP port.', 1883),
        },
      },
      mqtts: {
        description: 'MQTT 3.1.1 over TLS: what agents on other machines should use. Off unless this section is given.',
        type: 'object',
        additionalProperties: false,
        required: ['cert_file', 'key_file'],
        properties: {
          host: hostSchema('Interface to listen on; 0.0.0.0 (every IPv4 interface) by default, since TLS is what a hub exposes.', '0.0.0.0'),
          port: portSchema('TCP port.', 8883),
          cert_file: { description: 'The hub\'s certificate chain (PEM). A relative path is relative to the working directory.', type: 'string', minLength: 1 },
          key_file: { description: 'The private key of `cert_file` (PEM). Keep it readable by the hub\'s user only.', type: 'string', minLength: 1 },
          ca_file: { description: 'CA certificates (PEM) that client certificates must chain to; used with `require_client_cert`.', type: 'string', minLength: 1 },
          require_client_cert: { description: 'Refuse TLS clients without a certificate signed by `ca_file` (mutual TLS), on top of the password check.', type: 'boolean', default: false },
        },
      },
      http: {
        description: 'The dashboard and HTTP API.',
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          host: hostSchema('Interface to listen on: 127.0.0.1 by default; 0.0.0.0 for every IPv4 interface.', '127.0.0.1'),
          port: portSchema('TCP port.', 8080),
        },
      },
    },
  };
}

function logSection(): JsonSchema {
  return {
    description: 'The hub\'s partitioned log (SQLite, the same design as an agent\'s buffer): every agent batch is appended to one partition, picked by (agent, agent partition), so per-device order holds.',
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      partitions: {
        description: 'Number of partitions. Pick it once: a changed count maps agents to other partitions.',
        type: 'integer',
        minimum: 1,
        maximum: 1024,
        default: 16,
      },
      max_bytes: byteSizeSchema({
        description: 'Size budget of the log on disk, split evenly across partitions; the oldest batches are deleted past it (consumers that had not read them see them as lost).',
        default: 10 * 1024 ** 3,
        minimum: 1024 * 1024,
      }),
      max_age_s: {
        description: 'Batches older than this many seconds are deleted.',
        type: 'number',
        exclusiveMinimum: 0,
        maximum: 10 * 365 * 24 * 3600,
        default: 7 * 24 * 3600,
      },
      commit_interval_ms: {
        description: 'How long to gather batches (from every connection) before one durable commit; their PUBACKs are sent after it. 0 commits as soon as the event loop is free (group commit).',
        type: 'integer',
        minimum: 0,
        maximum: 60_000,
        default: 0,
      },
    },
  };
}

function limitsSection(): JsonSchema {
  return {
    description: 'Limits that keep one client, or many, from taking the hub down.',
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      max_connections: {
        description: 'MQTT connections at once (both listeners). A client beyond it is refused with CONNACK 3 (server unavailable); sockets beyond twice this number are closed at once.',
        type: 'integer',
        minimum: 1,
        maximum: 1_000_000,
        default: 1000,
      },
      max_packet_bytes: byteSizeSchema({
        description: 'Largest MQTT packet a client may send (a batch is one packet). Checked on the packet\'s header, before its body is read: a larger packet closes the connection. Agents must seal their batches below it.',
        default: 8 * 1024 * 1024,
        minimum: 1024,
        maximum: MQTT_MAX_PACKET_BYTES,
      }),
      max_in_flight_per_client: {
        description: 'Publishes of one client received but not yet acknowledged. Past it the hub stops reading that client\'s socket until some are acknowledged (TCP backpressure), so set agents\' in-flight window at or below it.',
        type: 'integer',
        minimum: 1,
        maximum: 65_535,
        default: 128,
      },
      connect_timeout_ms: {
        description: 'A socket that has not sent its MQTT CONNECT by then is closed; also the time allowed for a TLS handshake.',
        type: 'integer',
        minimum: 100,
        maximum: 600_000,
        default: 10_000,
      },
    },
  };
}

function authSection(): JsonSchema {
  return {
    description: 'How agents prove who they are: MQTT username = agent id, password = the one `tributary hub agent add` printed.',
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      allow_anonymous: {
        description: 'Accept clients that send no password, as the agent named by their username (or client id): no authentication at all. Only for development on a trusted machine; a client that sends a password is still checked.',
        type: 'boolean',
        default: false,
      },
    },
  };
}

/** Duration strings of the `aggregate:` section: `500ms`, `10s`, `1m`, `1h`, `7d`. */
export const DURATION_PATTERN = '^([0-9]+)(ms|s|m|h|d)$';

const durationSchema = (description: string, fallback?: string): JsonSchema => ({
  description,
  anyOf: [
    { type: 'string', pattern: DURATION_PATTERN },
    { type: 'integer', minimum: 1 },
  ],
  ...(fallback === undefined ? {} : { default: fallback }),
});

function aggregateSection(): JsonSchema {
  return {
    description: 'The built-in aggregator: per (device key, metric) tumbling windows with count, sum, min, max, mean, last, p50 and p95, by event time, written with its consumed offsets in one transaction (docs/aggregation.md). Without this section it runs with every default.',
    type: 'object',
    additionalProperties: false,
    properties: {
      enabled: { description: 'Set false to run the hub without the aggregator.', type: 'boolean', default: true },
      windows: {
        description: 'Tumbling window sizes, each a number of milliseconds or a string like "10s", "1m", "1h", "1d". Windows are aligned on the epoch (a 1m window starts at :00).',
        type: 'array',
        minItems: 1,
        maxItems: 8,
        items: durationSchema('A window size.'),
        default: ['10s', '1m', '1h'],
      },
      metrics: {
        description: 'Which numbers to aggregate, as paths into the record like `value.temperature_c` or `value.env.humidity`. Absent: every numeric top-level field of the record\'s value (or the value itself when it is a number, as metric `value`).',
        type: 'array',
        minItems: 1,
        items: { description: 'A field path starting with `value.`.', type: 'string', pattern: '^value(\\.[^.]+)+$' },
      },
      allowed_lateness_ms: {
        description: 'How far behind the newest event time seen in a partition a record may be and still update its window; older records are counted as late and not applied.',
        type: 'integer',
        minimum: 0,
        maximum: 7 * 24 * 3600 * 1000,
        default: 60_000,
      },
      retention: {
        description: 'How long window results are kept: a window of size W is deleted once it ended at least max(min_age, min_windows × W) ago (wall clock; `deleteExpiredWindows`). With the defaults: 7 days for 10s and 1m windows, about 417 days for 1h windows.',
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          min_age: durationSchema('Every window is kept at least this long after it ended ("7d", "12h", or ms).', '7d'),
          min_windows: { description: 'Every window size keeps at least this many of its most recent windows (per device and metric).', type: 'integer', minimum: 1, default: 10_000 },
        },
      },
      members: {
        description: 'Aggregator members in the hub process; the group spreads the log\'s partitions across them.',
        type: 'integer',
        minimum: 1,
        maximum: 64,
        default: 1,
      },
    },
  };
}

function groupsSection(): JsonSchema {
  return {
    description: 'Consumer groups (docs/consumer-groups.md): members share the hub log\'s partitions and commit their offsets in the hub.',
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      session_timeout_ms: {
        description: 'A member that has not sent a heartbeat for this long is expired and its partitions go to the others; members may ask for their own (100 to 300000). Members are told to heartbeat every third of it, at most every second.',
        type: 'integer',
        minimum: 100,
        maximum: 300_000,
        default: 10_000,
      },
      rebalance_timeout_ms: {
        description: 'How long a member may keep a partition it was asked to give up (finishing its batch, committing) before it is expired.',
        type: 'integer',
        minimum: 100,
        maximum: 600_000,
        default: 30_000,
      },
      offset_reset: {
        description: 'Where a group starts on a partition it has never committed: `earliest` (the oldest record kept) or `latest` (only records appended from then on). A member may choose when it creates the group.',
        enum: ['earliest', 'latest'],
        default: 'earliest',
      },
    },
  };
}

function apiSection(): JsonSchema {
  return {
    description: 'The HTTP API on `listeners.http` (consumer groups, fetch).',
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      token: {
        description: 'Bearer token every request must send (`Authorization: Bearer <token>`): { env: NAME } reads an environment variable, { file: PATH } a file (trailing newline removed), a plain string works but keeps it in this file. Without it the API answers clients on the loopback interface only.',
        oneOf: [
          { type: 'string', minLength: 16 },
          { type: 'object', properties: { env: { type: 'string', minLength: 1 } }, required: ['env'], additionalProperties: false },
          { type: 'object', properties: { file: { type: 'string', minLength: 1 } }, required: ['file'], additionalProperties: false },
        ],
      },
    },
  };
}

/** The JSON Schema of the hub config file (flows/hub.schema.json is generated from it). */
export function buildHubSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Tributary hub',
    $comment: 'Generated from hub/config/schema.ts by `npm run build && node dist/hub/config/write-schema.js`; do not edit by hand.',
    description: 'The Tributary hub\'s config. Every key has a default: an empty file (or none) runs a hub on 127.0.0.1.',
    type: 'object',
    additionalProperties: false,
    properties: {
      hub: hubSection(),
      listeners: listenersSection(),
      log: logSection(),
      limits: limitsSection(),
      auth: authSection(),
      aggregate: aggregateSection(),
      groups: groupsSection(),
      api: apiSection(),
    },
  };
}
