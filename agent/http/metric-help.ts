import type { MetricHelp } from '../../core/prometheus.js';

/** `# HELP` lines of the agent's main metrics on /metrics. */
export const metricHelp: MetricHelp = {
  tributary_agent_info: 'Always 1; labels: agent version, flow name and version.',
  tributary_agent_start_time_seconds: 'When the agent started, seconds since the epoch.',
  tributary_flow_records_in_total: 'Records sources handed to the flow, by source.',
  tributary_flow_dead_letters_total: 'Input kept as dead letters (bad frames, processor failures), by component.',
  tributary_buffer_records: 'Records in the log not yet acknowledged by the hub, by partition.',
  tributary_buffer_bytes: 'Bytes of stored batches in the log, by partition.',
  tributary_buffer_records_appended_total: 'Records appended to the durable log.',
  tributary_buffer_dropped_records_total: 'Records dropped from the log, by partition and reason (buffer_full, corrupt).',
  tributary_buffer_commits_total: 'Durable log commits (group commits).',
  tributary_buffer_commit_errors_total: 'Failed log commits, by reason; the records stay buffered and are retried.',
  tributary_log_commit_seconds: 'Duration of one durable log commit (fsync included).',
  tributary_forward_records_total: 'Records acknowledged by the hub.',
  tributary_forward_batches_total: 'Batches acknowledged by the hub.',
  tributary_forward_disconnects_total: 'Connections to the hub lost or refused.',
  tributary_forward_lag_records: 'Records not yet acknowledged by the hub, all partitions.',
  tributary_forward_lag_seconds: 'Age of the oldest record not yet acknowledged by the hub.',
  tributary_status_reports_total: 'Status heartbeats published to the hub.',
  tributary_status_errors_total: 'Status heartbeats not built or not sent, by reason.',
};
