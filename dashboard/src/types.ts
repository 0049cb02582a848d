/**
 * Shapes of the hub API the page reads (docs/hub.md, "HTTP API"). Those the hub declares as types are
 * re-exported from it (the bundle takes only `AGENT_STATES` at run time); the rest mirror hub/api/*.ts.
 * Kept free of DOM types so the pure helpers that use them can be unit-tested under Node.
 */
import type { AgentStatusReport, BufferPartitionStatus, RecentError, SourceHealth, SourceState } from '../../core/status.js';

export type { AgentStatusReport, BufferPartitionStatus, RecentError, SourceHealth, SourceState };
import type { AgentSummary } from '../../hub/fleet/summary.js';

export { AGENT_STATES, type AgentDetail, type AgentState, type AgentSummary, type OfflineReason } from '../../hub/fleet/summary.js';
/** One report's rates in an agent's history (oldest first). */
export type { RateSample as AgentHistoryPoint } from '../../hub/fleet/history.js';
export type { AggregateEvent, LatestValue, WindowResult } from '../../hub/aggregate/results.js';

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

/** The SSE `fleet` event. */
export interface FleetEvent {
  agents: AgentSummary[];
}
