import type { LogStore } from '../../core/log/store.js';
import type { Metrics } from '../../core/metrics.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, type MetricHelp } from '../../core/prometheus.js';
import type { ApiServer } from './server.js';

/** A readiness check: undefined when fine, else the reason the hub is not ready. */
export type ReadinessCheck = () => string | undefined;

export interface ObservabilityRouteOptions {
  metrics: Metrics;
  /** Gauges computed at scrape time (group lag, agents by state, log sizes). */
  refresh: (() => void)[];
  /** Every check must pass for /readyz to answer 200. */
  readiness: ReadinessCheck[];
}

/** HELP lines of the metrics worth alerting on (docs/observability.md lists them all). */
export const HUB_METRIC_HELP: MetricHelp = {
  tributary_hub_agents: 'Agents by state: online, offline, never_seen, revoked',
  tributary_hub_connections: 'Agent MQTT connections open now',
  tributary_hub_records_appended_total: 'Records appended to the hub log',
  tributary_hub_duplicate_records_total: 'Records received again and dropped by de-duplication',
  tributary_hub_rejected_total: 'Publishes refused by the ingest, by agent and reason',
  tributary_hub_commit_seconds: 'Duration of the ingest group commit (one durable transaction)',
  tributary_hub_commit_errors_total: 'Failed hub log commits (agents resend)',
  tributary_hub_refusals_total: 'MQTT connections, publishes and subscriptions refused, by reason',
  tributary_hub_log_records: 'Records stored in a hub log partition',
  tributary_hub_log_bytes: 'Bytes of batches stored in a hub log partition',
  tributary_group_lag_records: 'Records between a group\'s committed offset and the log end',
  tributary_group_lag_seconds: 'Age of the oldest record a group has not committed',
  tributary_group_members: 'Members of a consumer group',
  tributary_group_rebalances_total: 'Target assignment changes of a group',
  tributary_api_login_failures_total: 'Dashboard logins with a wrong token',
};

/** Adds GET /metrics (Prometheus text, authenticated like the API), GET /healthz and GET /readyz (no authentication). */
export function addObservabilityRoutes(server: ApiServer, options: ObservabilityRouteOptions): void {
  server.route('GET', '/metrics', () => {
    for (const refresh of options.refresh) refresh();
    return { raw: renderPrometheus(options.metrics, HUB_METRIC_HELP), headers: { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' } };
  });

  server.route('GET', '/healthz', () => ({ body: { status: 'ok' } }), { auth: false });

  server.route('GET', '/readyz', () => {
    const reasons = options.readiness.map((check) => check()).filter((reason): reason is string => reason !== undefined);
    return reasons.length === 0 ? { body: { status: 'ready' } } : { status: 503, body: { status: 'not_ready', reasons } };
  }, { auth: false });
}

/** Sets `tributary_hub_log_records` / `_bytes` per partition from the store's counters. */
export function logSizeGauges(store: Pick<LogStore, 'partitions' | 'state'>, metrics: Metrics): () => void {
  return () => {
    for (let partition = 0; partition < store.partitions; partition++) {
      const state = store.state(partition);
      const labels = { partition: String(partition) };
      metrics.set('tributary_hub_log_records', labels, state.nextOffset - state.startOffset);
      metrics.set('tributary_hub_log_bytes', labels, state.bytes);
    }
  };
}
