import { mqttSourceDefaults, type MqttSourceConfig } from '../../../agent/sources/mqtt/config.js';

let counter = 0;

/** A complete mqtt source config (defaults applied, as the flow loader would), with a unique client id. */
export function mqttConfig(url: string, overrides: Partial<MqttSourceConfig> = {}): MqttSourceConfig {
  counter++;
  return {
    ...mqttSourceDefaults,
    type: 'mqtt',
    url,
    client_id: `test-source-${process.pid}-${counter}`,
    topics: ['greenhouse/+/climate'],
    key_from_topic_level: 1,
    reconnect_min_ms: 20,
    reconnect_max_ms: 200,
    stop_timeout_ms: 200,
    ...overrides,
  };
}
