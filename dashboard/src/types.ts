/**
 * Shapes of the hub API the page reads (docs: /work/notes/dashboard-contract.md section 2, hub/api/*.ts).
 * Kept free of DOM types so the pure helpers that use them can be unit-tested under Node.
 */
import type { AgentStatusReport, BufferPartitionStatus, RecentError, SourceHealth, SourceState } from '../../core/status.js';

export type { AgentStatusReport, BufferPartitionStatus, RecentError, SourceHealth, SourceState };

export type AgentState = 'online' | 'offline' | 'never_seen' | 'revoked';
export const AGENT_STATES: readonly AgentState[] = ['online', 'offline', 'never_seen', 'revoked'];

export type OfflineReason = 'shutdown' | 'connection_lost' | 'heartbeat_timeout' | 'disconnected';

/** One agent as `GET /v1/agents` and the SSE `fleet` event list it. */
export interface AgentSummary {
  id: string;
  state: AgentState;
  offlineReason?: OfflineReason;
  /** Hub clock, ms since the epoch. */
  lastSeen: number | null;
  version: string | null;
  flow: { name: string; version: string } | null;
  buffer: { records: number; bytes: number; partitions: BufferPartitionStatus[] } | null;
  lag: { records: number; seconds: number } | null;
  /** Records per second over the last two reports. */
  rates: { in: number; out: number } | null;
  totals: AgentStatusReport['totals'] | null;
  drops: Record<string, number>;
  dropsTotal: number;
  errorsTotal: number;
  sources: SourceHealth[];
  forwardState: string | null;
}

/** One report's rates in an agent's history (oldest first). */
export interface AgentHistoryPoint {
  ts: number;
  in: number;
  out: number;
  bufferRecords: number;
  lagRecords: number;
}

/** `GET /v1/agents/:id`. */
export interface AgentDetail {
  agent: AgentSummary;
  errors: RecentError[];
  flowYaml: string | null;
  history: AgentHistoryPoint[];
}

/** `GET /v1/session` (no auth needed). */
export interface Session {
  authenticated: boolean;
  tokenRequired: boolean;
  hubId: string;
  version: string;
}

/** An entry of `GET /v1/topics`. */
export interface TopicListEntry {
  name: string;
  /** Number of partitions. */
  partitions: number;
}

export interface TopicPartition {
  partition: number;
  startOffset: number;
  nextOffset: number;
  records: number;
  bytes: number;
  /** Records per second appended lately. */
  ingestRate: number;
}

/** `GET /v1/topics/:topic`. */
export interface TopicDetail {
  name: string;
  partitions: TopicPartition[];
  totals: { records: number; bytes: number; duplicates: number; rejected: number; invalid: number };
}

/** An entry of `GET /v1/groups`. */
export interface GroupListEntry {
  group: string;
  members: number;
}

export interface GroupMember {
  member_id: string;
  static_id?: string;
  session_timeout_ms: number;
  /** ISO 8601. */
  last_heartbeat_at: string;
  owned: { partition: number; lease: number }[];
  assigned: number[];
}

export interface GroupPartition {
  partition: number;
  owner?: string;
  lease?: number;
  assigned_to?: string;
  committed_offset?: number;
  /** ISO 8601. */
  committed_at?: string;
  log_start: number;
  log_end: number;
  lag_records: number;
  lag_ms: number;
}

/** `GET /v1/groups/:group` (hub/api/groups-routes.ts `describeJson`, plus rebalances and generation). */
export interface GroupDescription {
  group: string;
  topic: string;
  offset_reset: string;
  epoch: number;
  /** Rebalances since the hub started. */
  rebalances?: number;
  generation?: number;
  members: GroupMember[];
  partitions: GroupPartition[];
}

/** `GET /v1/aggregates/series`. */
export interface AggregateSeriesList {
  series: { key: string; metric: string }[];
  /** Window sizes like `10s`, `1m`. */
  windows: string[];
}

/** One row of `GET /v1/aggregates` (hub/aggregate/query.ts `WindowResult`). */
export interface WindowResult {
  key: string;
  metric: string;
  window_ms: number;
  window_start: number;
  window_end: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  last: number;
  last_ts: number;
  p50: number;
  p95: number;
  updated_at: number;
}

/** The SSE `aggregate` event: one window row the aggregator committed. */
export interface AggregateEvent {
  key: string;
  metric: string;
  /** Window size; a duration string (`10s`) or ms, both accepted. */
  window: string | number;
  start: number;
  count: number;
  min: number;
  max: number;
  mean: number;
  last: number;
  p50: number;
  p95: number;
}

/** An entry of `GET /v1/latest` (hub/aggregate/query.ts `LatestValue`). */
export interface LatestValue {
  key: string;
  metric: string;
  value: number;
  ts: number;
}

/** The SSE `fleet` event. */
export interface FleetEvent {
  agents: AgentSummary[];
}
