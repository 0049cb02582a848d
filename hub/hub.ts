import type { Logger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import { startHubBroker, type HubBroker, type OnPublish } from './broker/broker.js';
import type { HubConfig } from './config/types.js';
import { CredentialStore } from './credentials/store.js';

/** A running hub. */
export interface RunningHub {
  broker: HubBroker;
  credentials: CredentialStore;
  metrics: Metrics;
  /** Closes the broker (waiting for publishes in progress), then the stores. */
  stop(): Promise<void>;
}

export interface HubOptions {
  logger: Logger;
  metrics?: Metrics;
  /** What happens to an agent's publish; the default refuses everything until the ingest is wired in. */
  onPublish?: OnPublish;
}

// until hub/ingest is wired in here (the lead's part), nothing is acknowledged that was not stored
const noIngest: OnPublish = () => Promise.reject(new Error('this hub has no ingest yet: the publish is not stored and not acknowledged'));

/** Starts the hub: credentials, then the MQTT broker on the configured listeners. */
export async function startHub(config: HubConfig, options: HubOptions): Promise<RunningHub> {
  const { logger } = options;
  const metrics = options.metrics ?? new Metrics();
  const credentials = CredentialStore.open(config.hub.data_dir);
  let broker: HubBroker;
  try {
    broker = await startHubBroker({ config, credentials, onPublish: options.onPublish ?? noIngest, logger, metrics });
  } catch (error) {
    credentials.close();
    throw error;
  }
  const agents = credentials.list().filter((agent) => agent.revokedAt === undefined).length;
  if (agents === 0 && !config.auth.allow_anonymous) logger.warn(`no agents registered in ${credentials.path}: add one with \`tributary hub agent add ID\``);
  logger.info({ hubId: config.hub.id, dataDir: config.hub.data_dir, agents }, `hub ${config.hub.id} started (${agents} agent${agents === 1 ? '' : 's'} registered)`);
  return {
    broker,
    credentials,
    metrics,
    async stop() {
      await broker.close();
      credentials.close();
      logger.info('hub stopped');
    },
  };
}
