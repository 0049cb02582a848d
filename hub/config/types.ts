/** `listeners.mqtt`: plain MQTT over TCP. */
export interface MqttListener {
  enabled: boolean;
  host: string;
  port: number;
}

/** `listeners.mqtts`: MQTT over TLS; present only when configured. */
export interface MqttsListener {
  host: string;
  port: number;
  cert_file: string;
  key_file: string;
  /** CA bundle for client certificates (with `require_client_cert`). */
  ca_file?: string;
  require_client_cert: boolean;
}

/** `listeners.http`: the dashboard and API (kept for the issues that add them). */
export interface HttpListener {
  host: string;
  port: number;
}

/** `log:` the hub's partitioned topic log (same names as the agent's `buffer:`). */
export interface HubLogSection {
  partitions: number;
  max_bytes: number;
  max_age_s: number;
  /** 0 = commit as soon as the event loop is free (group commit); >0 = gather this long first. */
  commit_interval_ms: number;
}

/** `limits:` what one client, and all of them together, may use. */
export interface HubLimits {
  max_connections: number;
  max_packet_bytes: number;
  max_in_flight_per_client: number;
  connect_timeout_ms: number;
}

/** `aggregate:` the built-in aggregator (see hub/aggregate/config.ts for the defaults of a missing section). */
export interface HubAggregateSection {
  enabled: boolean;
  /** Tumbling window sizes: ms numbers or strings like "10s", "1m", "1h". */
  windows: (string | number)[];
  /** Field paths (`value.temperature_c`) to aggregate; absent = every numeric top-level field. */
  metrics?: string[];
  allowed_lateness_ms: number;
  retention: { min_age: string | number; min_windows: number };
  members: number;
}

/** `groups:` consumer group coordinator settings. */
export interface GroupsSection {
  session_timeout_ms: number;
  rebalance_timeout_ms: number;
  offset_reset: 'earliest' | 'latest';
}

/** A secret: inline, from an environment variable, or from a file. */
export type HubSecretRef = string | { env: string } | { file: string };

/** `api:` the HTTP API. */
export interface ApiSection {
  /** Bearer token required on every request; absent = open, to loopback clients only. */
  token?: HubSecretRef;
}

/** A validated hub config with defaults applied; frozen. */
export interface HubConfig {
  /** The file it came from, or undefined when every setting is a default. */
  file?: string;
  hub: { id: string; data_dir: string };
  listeners: { mqtt: MqttListener; mqtts?: MqttsListener; http: HttpListener };
  log: HubLogSection;
  limits: HubLimits;
  auth: { allow_anonymous: boolean };
  /** Absent when the file has no `aggregate:` section: the aggregator then runs with its defaults. */
  aggregate?: HubAggregateSection;
  groups: GroupsSection;
  api: ApiSection;
}
