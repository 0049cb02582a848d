import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { checkMqttSourceConfig, mqttSourceDefaults, mqttSourceSchema, type MqttSourceConfig } from '../../../agent/sources/mqtt/config.js';
import { defaultClientId, mqttClientOptions } from '../../../agent/sources/mqtt/client-options.js';
import { sourceSpecs } from '../../../agent/sources/registry.js';

function config(overrides: Partial<MqttSourceConfig> = {}): MqttSourceConfig {
  return { ...mqttSourceDefaults, type: 'mqtt', url: 'mqtt://broker:1883', topics: ['greenhouse/+/climate'], ...overrides };
}

describe('mqtt source config', () => {
  const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false, discriminator: true });
  const validate = ajv.compile(mqttSourceSchema);

  it('is registered under type mqtt', () => {
    expect(sourceSpecs.mqtt?.schema).toBe(mqttSourceSchema);
  });

  it('applies defaults: QoS 1, persistent session, JSON payloads', () => {
    const cfg: Record<string, unknown> = { type: 'mqtt', url: 'mqtts://broker:8883', topics: ['a/#', { filter: 'b/+', qos: 0 }], password: { env: 'MQTT_PASSWORD' }, username: 'agent' };
    expect(validate(cfg), JSON.stringify(validate.errors)).toBe(true);
    expect(cfg).toMatchObject({ qos: 1, clean_session: false, parser: { format: 'json' }, reconnect_min_ms: 500, reconnect_max_ms: 30_000 });
  });

  it('rejects QoS 2, unknown schemes and unknown options', () => {
    expect(validate({ type: 'mqtt', url: 'mqtt://b', topics: ['a'], qos: 2 })).toBe(false);
    expect(validate({ type: 'mqtt', url: 'http://b', topics: ['a'] })).toBe(false);
    expect(validate({ type: 'mqtt', url: 'mqtt://b', topics: ['a'], topic: 'a' })).toBe(false);
    expect(validate({ type: 'mqtt', url: 'mqtt://b', topics: [] })).toBe(false);
  });

  it('finds bad topic filters, impossible key levels and mismatched options', () => {
    const problems = checkMqttSourceConfig(
      config({
        url: 'mqtt://broker',
        topics: ['a/#/b', 'sensors/temp+', { filter: 'greenhouse/+' }],
        key_from_topic_level: 2,
        key: 'fixed',
        reconnect_min_ms: 5000,
        reconnect_max_ms: 1000,
        ca_file: '/etc/ca.pem',
        password: 'secret',
      }),
    );
    const byPath = problems.map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(byPath).toEqual([
      expect.stringMatching(/^topics\.0: '#' must be a whole level and the last one/),
      expect.stringMatching(/^topics\.1: '\+' must be a whole level/),
      expect.stringMatching(/^key_from_topic_level: topic filter "greenhouse\/\+" has 2 level\(s\)/),
      expect.stringMatching(/^key: set either key/),
      expect.stringMatching(/^reconnect_min_ms: /),
      expect.stringMatching(/^username: a password needs a username/),
      expect.stringMatching(/^ca_file: ca_file only applies to TLS/),
    ]);
  });

  it('passes parser problems on under parser', () => {
    const problems = checkMqttSourceConfig(config({ parser: { format: 'regex', pattern: '(?<open', flags: '', infer_types: true } }));
    expect(problems[0]?.path[0]).toBe('parser');
  });

  it('accepts a sound config', () => {
    expect(checkMqttSourceConfig(config({ key_from_topic_level: 1 }))).toEqual([]);
    expect(checkMqttSourceConfig(config({ topics: ['site/#'], key_from_topic_level: 4 }))).toEqual([]);
  });

  it('defaults the client id to one stable per source and host, and resolves the password secret', () => {
    process.env.TRIBUTARY_TEST_MQTT_PASSWORD = 's3cret';
    const options = mqttClientOptions(config({ username: 'agent', password: { env: 'TRIBUTARY_TEST_MQTT_PASSWORD' } }), 'climate');
    expect(options.clientId).toBe(defaultClientId('climate'));
    expect(defaultClientId('climate')).toMatch(/^tributary-climate-.+/);
    expect(options).toMatchObject({ password: 's3cret', clean: false, reconnectPeriod: 0, protocolVersion: 4 });
  });

  it('fails with a clear error when a TLS file cannot be read', () => {
    expect(() => mqttClientOptions(config({ url: 'mqtts://broker', ca_file: '/nonexistent/ca.pem' }), 'climate')).toThrow(
      expect.objectContaining({ code: 'ERR_SOURCE_MQTT_TLS_FILE', message: expect.stringMatching(/ca_file \/nonexistent\/ca.pem/) }),
    );
  });
});
