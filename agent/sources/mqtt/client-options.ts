import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { IClientOptions } from 'mqtt';
import { TributaryError } from '../../../core/errors.js';
import { resolveSecret } from '../../flow/secrets.js';
import type { MqttSourceConfig } from './config.js';

/** The client id used when the flow sets none: stable across restarts, so the broker finds the session again. */
export function defaultClientId(sourceId: string): string {
  return `tributary-${sourceId}-${hostname()}`;
}

/** mqtt.js options for a source; reads secrets and TLS files now, so a bad path fails at start with a clear error. */
export function mqttClientOptions(config: MqttSourceConfig, sourceId: string): IClientOptions {
  const options: IClientOptions = {
    clientId: config.client_id ?? defaultClientId(sourceId),
    protocolVersion: 4,
    clean: config.clean_session,
    keepalive: config.keepalive_s,
    connectTimeout: config.connect_timeout_ms,
    // Reconnects are ours (exponential backoff with jitter), and so are subscriptions (see MqttSource.onConnect).
    reconnectPeriod: 0,
    resubscribe: false,
    manualConnect: true,
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = resolveSecret(config.password);
  if (config.ca_file !== undefined) options.ca = readTlsFile(config.ca_file, 'ca_file');
  if (config.cert_file !== undefined) options.cert = readTlsFile(config.cert_file, 'cert_file');
  if (config.key_file !== undefined) options.key = readTlsFile(config.key_file, 'key_file');
  return options;
}

function readTlsFile(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TributaryError('ERR_SOURCE_MQTT_TLS_FILE', `cannot read ${option} ${path}: ${(error as Error).message} (check the path and the agent's permission to read it)`, { cause: error });
  }
}
