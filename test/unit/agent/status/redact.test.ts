import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isSecretKey, redactFlowYaml } from '../../../../agent/status/redact.js';

describe('redactFlowYaml', () => {
  it('replaces inline values of password, token, secret and *_key, and nothing else', () => {
    const text = [
      '# the greenhouse flow (comments stay)',
      'agent: { id: edge-1, data_dir: /var/lib/tributary }',
      'sources:',
      '  climate:',
      '    type: mqtt',
      '    url: mqtt://sensor-user:s3cr3t-pw@broker.local:1883',
      '    password: hunter2   # inline',
      '    token: "abc.def.ghi"',
      '    api_key: 12345',
      '    key_from_topic_level: 1',
      'forward:',
      '  url: "mqtts://hub:8883"',
      '  password: { env: HUB_PASSWORD }',
      '  secret: |',
      '    multi',
      '    line',
      '',
    ].join('\n');
    const out = redactFlowYaml(text);
    for (const secret of ['hunter2', 'abc.def.ghi', '12345', 's3cr3t-pw', 'multi']) expect(out).not.toContain(secret);
    const parsed = parse(out) as { sources: { climate: Record<string, unknown> }; forward: Record<string, unknown> };
    expect(parsed.sources.climate).toEqual({
      type: 'mqtt',
      url: 'mqtt://sensor-user:***@broker.local:1883',
      password: '***',
      token: '***',
      api_key: '***',
      key_from_topic_level: 1,
    });
    // A reference names where the secret lives, not the secret: it stays.
    expect(parsed.forward.password).toEqual({ env: 'HUB_PASSWORD' });
    expect(parsed.forward.secret).toBe('***');
    // Layout and comments are untouched.
    expect(out.split('\n')[0]).toBe('# the greenhouse flow (comments stay)');
    expect(out).toContain('    password: "***"   # inline\n');
    expect(out).toContain('    key_from_topic_level: 1\n');
  });

  it('leaves a flow without secrets byte for byte as it was', () => {
    const text = 'agent:\n  id: a   # me\n  data_dir: /x\nsources: { g: { type: generate, key_count: 3 } }\nbuffer: { inputs: [g] }\n';
    expect(redactFlowYaml(text)).toBe(text);
  });

  it('does not send text it cannot parse', () => {
    const out = redactFlowYaml('password: hunter2\n  bad: [indent\n');
    expect(out).not.toContain('hunter2');
    expect(out).toMatch(/^# the flow file could not be parsed/);
  });

  it('knows which keys are secret', () => {
    expect(['password', 'token', 'secret', 'api_key', 'private_key', 'PASSWORD', 'db_password'].every(isSecretKey)).toBe(true);
    expect(['key', 'key_count', 'key_from_topic_level', 'keepalive_s', 'tokens_per_sec'].some(isSecretKey)).toBe(false);
  });
});
