import type { SourceSpec } from '../../component.js';
import { checkMqttSourceConfig, mqttSourceSchema, type MqttSourceConfig } from './config.js';
import { MqttSource } from './source.js';

/** `type: mqtt`: records from MQTT topics, acknowledged to the broker once durable. */
export const mqttSourceSpec: SourceSpec<MqttSourceConfig> = {
  type: 'mqtt',
  description: mqttSourceSchema.description as string,
  schema: mqttSourceSchema,
  check: checkMqttSourceConfig,
  create: (config, context) => new MqttSource(config, context),
};
