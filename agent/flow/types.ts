import type { ForwardConfig } from '../forward/config.js';

/** What to do when a partition's unacknowledged data reaches its share of `max_bytes`. */
export type WhenFull = 'block' | 'drop_oldest' | 'drop_newest';

/** `agent:` section. */
export interface AgentSection {
  id: string;
  data_dir: string;
  /** Optional: the flow's name and version, reported in status. */
  flow_name?: string;
  flow_version?: string;
  /** How often the status heartbeat goes to the hub while connected. */
  status_interval_ms: number;
  /** The agent's HTTP endpoint (/metrics, /healthz, /readyz, /status); none when absent. */
  http?: AgentHttpSection;
}

/** `agent.http:` where the agent's observability endpoint listens. */
export interface AgentHttpSection {
  host: string;
  /** 0 picks a free port (it is logged). */
  port: number;
}

/** A source or processor entry: its `type` picks the spec, the rest is the spec's config. */
export interface ComponentEntry {
  type: string;
  [option: string]: unknown;
}

export interface ProcessorEntry extends ComponentEntry {
  /** Upstream component ids (`source`, `processor`, or `route_processor.route_name`). */
  inputs: string[];
}

/** `buffer:` section: the durable partitioned log. */
export interface BufferSection {
  inputs: string[];
  partitions: number;
  /** Total size budget of the log on disk, split evenly across partitions. */
  max_bytes: number;
  /** Acknowledged batches older than this are deleted. */
  max_age_s: number;
  when_full: WhenFull;
  /** Per-partition override of `when_full`, keyed by partition number. */
  when_full_by_partition?: Record<string, WhenFull>;
  /** 0 = commit as soon as the event loop is free (group commit); >0 = gather this long first (fewer fsyncs). */
  commit_interval_ms: number;
  batch_max_records: number;
  batch_max_bytes: number;
  /** Keep dead letters (bad frames, failed processors) in the log for inspection. */
  keep_dead_letters: boolean;
}

/** A validated flow with defaults applied; frozen. */
export interface FlowConfig {
  /** The file it came from (for messages). */
  file: string;
  agent: AgentSection;
  sources: Record<string, ComponentEntry>;
  processors: Record<string, ProcessorEntry>;
  buffer: BufferSection;
  /** Forwarding to the hub; without it the log is a local ring buffer. */
  forward?: ForwardConfig;
}
