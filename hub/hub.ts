import { join } from 'node:path';
import { lockDataDir } from '../core/data-dir-lock.js';
import { errorMessage } from '../core/errors.js';
import { SqliteLogStore } from '../core/log/sqlite-store.js';
import type { Logger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import { aggregateSettings } from './aggregate/config.js';
import { AggregatorService } from './aggregate/aggregator-service.js';
import { AggregateQueries } from './aggregate/query.js';
import { parseTopic } from '../core/protocol.js';
import { addAggregateRoutes } from './api/aggregate-routes.js';
import { addEventRoutes } from './api/events-routes.js';
import { addFleetRoutes } from './api/fleet-routes.js';
import { ApiServer, resolveApiToken } from './api/server.js';
import { addGroupRoutes } from './api/groups-routes.js';
import { addObservabilityRoutes, logSizeGauges } from './api/observability-routes.js';
import { addSessionRoutes } from './api/session-routes.js';
import { addStaticRoutes, defaultDashboardDir } from './api/static-files.js';
import { addTopicRoutes } from './api/topic-routes.js';
import { FleetRegistry } from './fleet/registry.js';
import { IngestRateMeter } from './log/ingest-rate.js';
import { HUB_VERSION } from './version.js';
import { startHubBroker, type HubBroker, type OnPublish } from './broker/broker.js';
import type { HubConfig } from './config/types.js';
import { CredentialStore } from './credentials/store.js';
import { GroupCoordinator, RECORDS_TOPIC } from './groups/coordinator.js';
import { AppendNotifier } from './groups/notifier.js';
import { HubIngest } from './ingest/ingest.js';
import { HubRetention } from './log/retention.js';

/** A running hub. */
export interface RunningHub {
  broker: HubBroker;
  credentials: CredentialStore;
  store: SqliteLogStore;
  ingest: HubIngest;
  metrics: Metrics;
  /** The consumer group coordinator (topic `records` = the hub log). */
  groups: GroupCoordinator;
  /** Wakes long-polling fetches; call `notify()` after appending to the hub log. */
  appended: AppendNotifier;
  /** The HTTP API on listeners.http; more routes can be added with `api.route`. */
  api: ApiServer;
  /** The built-in aggregator (consumer group `tributary-aggregator`). */
  aggregator: AggregatorService;
  /** Agents' latest status reports, rates and online state. */
  fleet: FleetRegistry;
  /** Closes the broker (waiting for publishes in progress), commits what is pending, closes the stores. */
  stop(): Promise<void>;
}

export interface HubOptions {
  logger: Logger;
  metrics?: Metrics;
  /** Replaces the ingest (tests of the broker alone). */
  onPublish?: OnPublish;
  /** The dashboard's built files; default `dist/dashboard` under the repo root. */
  dashboardDir?: string;
}

/** The hub log's file inside the hub's data dir. */
export function hubLogPath(dataDir: string): string {
  return join(dataDir, 'log.db');
}

/** Starts the hub: its log and ingest, credentials, then the MQTT broker on the configured listeners. */
export async function startHub(config: HubConfig, options: HubOptions): Promise<RunningHub> {
  const { logger } = options;
  const metrics = options.metrics ?? new Metrics();
  const unlock = lockDataDir(config.hub.data_dir);
  const closers: (() => void)[] = [unlock];
  const closeAll = () => {
    for (const close of closers.reverse()) {
      try {
        close();
      } catch (error) {
        logger.error({ err: error }, `hub shutdown: ${errorMessage(error)}`);
      }
    }
  };
  try {
    const store = new SqliteLogStore({ path: hubLogPath(config.hub.data_dir), partitions: config.log.partitions, logger });
    closers.push(() => store.close());
    const credentials = CredentialStore.open(config.hub.data_dir);
    closers.push(() => credentials.close());
    const fleet = new FleetRegistry({ credentials, metrics, logger: logger.child({ component: 'fleet' }) });
    closers.push(() => fleet.close());
    const ingestRate = new IngestRateMeter(store);
    closers.push(() => ingestRate.close());
    // The ingest answers agents through the broker, which is created after it (it needs the ingest's hook).
    const brokerRef: { current?: HubBroker } = {};
    const ingest = new HubIngest({
      onStatus: (agentId, message, context) => fleet.onStatus(agentId, message, context),
      store,
      logger: logger.child({ component: 'ingest' }),
      metrics,
      commitIntervalMs: config.log.commit_interval_ms,
      publishTo: (topic, payload) => {
        brokerRef.current?.publishTo(topic, payload, 1).catch((error: unknown) => logger.warn({ err: error, topic }, 'could not send to an agent'));
      },
    });
    closers.push(() => ingest.flush());
    const retention = new HubRetention(store, { maxBytes: config.log.max_bytes, maxAgeMs: config.log.max_age_s * 1000, logger, metrics });
    closers.push(() => retention.stop());
    const appended = new AppendNotifier();
    const groups = new GroupCoordinator({
      database: store.database,
      topics: { [RECORDS_TOPIC]: store },
      logger: logger.child({ component: 'groups' }),
      metrics,
      sessionTimeoutMs: config.groups.session_timeout_ms,
      rebalanceTimeoutMs: config.groups.rebalance_timeout_ms,
      offsetReset: config.groups.offset_reset,
    });
    closers.push(() => groups.close());
    const settings = aggregateSettings(config.aggregate);
    const aggregator = new AggregatorService({ store, coordinator: groups, notifier: appended, settings, logger: logger.child({ component: 'aggregator' }), metrics });
    // On a failed start nothing is flushed; the committed offsets make that safe.
    closers.push(() => aggregator.abandon());
    await aggregator.start();
    const token = config.api.token === undefined ? undefined : resolveApiToken(config.api.token);
    const api = new ApiServer({ host: config.listeners.http.host, port: config.listeners.http.port, logger: logger.child({ component: 'api' }), metrics, ...(token === undefined ? {} : { token }) });
    addSessionRoutes(api, { hubId: config.hub.id, version: HUB_VERSION, metrics });
    addStaticRoutes(api, options.dashboardDir ?? defaultDashboardDir());
    addFleetRoutes(api, fleet);
    addGroupRoutes(api, groups, appended);
    addTopicRoutes(api, groups, new Map([[RECORDS_TOPIC, ingestRate]]), metrics);
    addAggregateRoutes(api, new AggregateQueries(store.database, settings.windowsMs));
    addEventRoutes(api, { fleet, onAggregates: (listener) => aggregator.onCommitted(listener), windowsMs: settings.windowsMs, metrics, logger: logger.child({ component: 'events' }) });
    addObservabilityRoutes(api, {
      metrics,
      refresh: [() => groups.refreshLagMetrics(), () => void fleet.refreshMetrics(), logSizeGauges(store, metrics)],
      readiness: [
        () => (brokerRef.current?.listening ? undefined : 'the MQTT broker is not listening'),
        () => (store.database.open ? undefined : 'the hub log is closed'),
        () => (!settings.enabled || aggregator.isRunning ? undefined : 'the aggregator is not running'),
      ],
    });
    await api.listen();
    closers.push(() => void api.close());
    if (token === undefined) logger.info({ address: api.url }, 'HTTP API without api.token: it answers clients on this machine only');
    const ingestPublish: OnPublish = async (agentId, packet, context) => {
      await ingest.onPublish(agentId, packet, context === undefined ? {} : { connectionId: context.connectionId });
      // only batches append: status messages (every few seconds per agent) need not wake long polls
      if (parseTopic(packet.topic)?.kind === 'batches') appended.notify();
    };
    const broker = await startHubBroker({ config, credentials, onPublish: options.onPublish ?? ingestPublish, logger, metrics });
    broker.on('agentConnected', (agent) => fleet.connected(agent));
    broker.on('agentDisconnected', (agent) => fleet.disconnected(agent));
    const agents = credentials.list().filter((agent) => agent.revokedAt === undefined).length;
    if (agents === 0 && !config.auth.allow_anonymous) logger.warn(`no agents registered in ${credentials.path}: add one with \`tributary hub agent add ID\``);
    logger.info({ hubId: config.hub.id, dataDir: config.hub.data_dir, logId: store.logId, agents }, `hub ${config.hub.id} started (${agents} agent${agents === 1 ? '' : 's'} registered)`);
    brokerRef.current = broker;
    const running = broker;
    return {
      broker: running,
      credentials,
      store,
      ingest,
      metrics,
      groups,
      appended,
      api,
      aggregator,
      fleet,
      async stop() {
        await api.close();
        await running.close();
        await aggregator.stop();
        closeAll();
        logger.info('hub stopped');
      },
    };
  } catch (error) {
    closeAll();
    throw error;
  }
}
