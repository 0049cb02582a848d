/** Simulated MQTT sensors: what tests, benchmarks, the demo and the sim-devices CLI use. */
export { startMqttSensors } from './sensors.js';
export type { MqttSensorsOptions, MqttSensorsHandle, MqttSensorCounts, MqttSensorFaults, PublishedMessage } from './sensors.js';
export { ClimateModel, garbagePayload, type ClimateReading } from './climate-model.js';
export { mqttCommand } from './command.js';
