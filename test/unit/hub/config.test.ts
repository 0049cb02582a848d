import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import type { JsonSchema } from '../../../core/config/json-schema.js';
import { AGENT_ID_PATTERN as FLOW_AGENT_ID_PATTERN } from '../../../agent/flow/schema.js';
import { HUB_REGENERATE_COMMAND, hubConfigArtifacts } from '../../../hub/config/artifacts.js';
import { HubConfigError, loadHubConfig, loadHubConfigText, type HubConfig } from '../../../hub/config/load.js';
import { buildHubSchema } from '../../../hub/config/schema.js';
import { AGENT_ID_PATTERN } from '../../../hub/credentials/agent-id.js';
import { startCli } from '../../helpers/agent-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { connectClient } from './broker-harness.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dir = tempDir('tributary-hub-config-');
afterAll(() => dir.remove());

const defaults: Omit<HubConfig, 'file'> = {
  hub: { id: 'hub', data_dir: './data/hub' },
  listeners: { mqtt: { enabled: true, host: '127.0.0.1', port: 1883 }, http: { host: '127.0.0.1', port: 8080 } },
  log: { partitions: 16, max_bytes: 10 * 1024 ** 3, max_age_s: 7 * 24 * 3600, commit_interval_ms: 0 },
  limits: { max_connections: 1000, max_packet_bytes: 8 * 1024 * 1024, max_in_flight_per_client: 128, connect_timeout_ms: 10_000 },
  auth: { allow_anonymous: false },
  groups: { session_timeout_ms: 10_000, rebalance_timeout_ms: 30_000, offset_reset: 'earliest' },
  api: {},
};

function problemsOf(text: string): string[] {
  try {
    loadHubConfigText(text, 'hub.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(HubConfigError);
    expect((error as HubConfigError).code).toBe('ERR_HUB_CONFIG_INVALID');
    return (error as HubConfigError).message.split('\n');
  }
  throw new Error('the config was accepted');
}

describe('loadHubConfig', () => {
  test('no file: every default, frozen', () => {
    const config = loadHubConfig();
    expect(config).toEqual(defaults);
    expect(config.file).toBeUndefined();
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  test('an empty file (or only comments) means every default', () => {
    expect(loadHubConfigText('', 'empty.yaml')).toEqual({ file: 'empty.yaml', ...defaults });
    expect(loadHubConfigText('# nothing here\n', 'comments.yaml')).toEqual({ file: 'comments.yaml', ...defaults });
  });

  test('a partial section keeps the defaults of the keys it leaves out; sizes take strings', () => {
    const config = loadHubConfigText('limits:\n  max_packet_bytes: 1MiB\nlisteners:\n  mqtt:\n    host: 0.0.0.0\nlog:\n  max_bytes: "2GB"\n', 'hub.yaml');
    expect(config.limits).toEqual({ ...defaults.limits, max_packet_bytes: 1024 * 1024 });
    expect(config.listeners.mqtt).toEqual({ enabled: true, host: '0.0.0.0', port: 1883 });
    expect(config.log.max_bytes).toBe(2_000_000_000);
  });

  test('mqtts gets its defaults when given', () => {
    const config = loadHubConfigText('listeners:\n  mqtts:\n    cert_file: hub.crt\n    key_file: hub.key\n', 'hub.yaml');
    expect(config.listeners.mqtts).toEqual({ host: '0.0.0.0', port: 8883, cert_file: 'hub.crt', key_file: 'hub.key', require_client_cert: false });
  });

  test('environment variables are substituted, with defaults', () => {
    process.env.TRIBUTARY_TEST_HUB_PORT = '1999';
    try {
      const config = loadHubConfigText('listeners:\n  mqtt:\n    port: ${TRIBUTARY_TEST_HUB_PORT}\n  http:\n    port: ${TRIBUTARY_TEST_UNSET_PORT:-8181}\n', 'hub.yaml');
      expect([config.listeners.mqtt.port, config.listeners.http.port]).toEqual([1999, 8181]);
    } finally {
      delete process.env.TRIBUTARY_TEST_HUB_PORT;
    }
    expect(problemsOf('hub:\n  data_dir: ${TRIBUTARY_TEST_UNSET_DIR}\n')).toEqual([expect.stringMatching(/^hub\.yaml:2:13: environment variable TRIBUTARY_TEST_UNSET_DIR is not set/)]);
  });

  test('every problem at once, positioned, with expected/got and did-you-mean', () => {
    const text = [
      'hub:',
      '  idd: x',
      'listeners:',
      '  mqtt:',
      '    port: 99999',
      '    hots: 0.0.0.0',
      'limits:',
      '  max_conections: 3',
      '  max_packet_bytes: 1TB',
      '  max_in_flight_per_client: "many"',
      'auth:',
      '  allow_anonymous: yes please',
      'logs: {}',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      'hub.yaml:2:3: hub.idd: unknown key "idd" (did you mean "id"?)',
      'hub.yaml:5:11: listeners.mqtt.port: expected a number <= 65535, got 99999',
      'hub.yaml:6:5: listeners.mqtt.hots: unknown key "hots" (did you mean "host"?)',
      'hub.yaml:8:3: limits.max_conections: unknown key "max_conections" (did you mean "max_connections"?)',
      'hub.yaml:9:21: limits.max_packet_bytes: expected a size <= 268435460 bytes, got "1TB" (1000000000000 bytes)',
      'hub.yaml:10:29: limits.max_in_flight_per_client: expected integer, got string "many"',
      'hub.yaml:12:20: auth.allow_anonymous: expected boolean, got string "yes please"',
      'hub.yaml:13:1: logs: unknown key "logs" (did you mean "log"?)',
    ]);
  });

  test('YAML syntax errors and duplicate keys are positioned', () => {
    expect(problemsOf('hub:\n  id: a\n  id: b\n')).toEqual(['hub.yaml:3:3: hub.id: duplicate key "id": a key may appear only once in a mapping']);
    expect(problemsOf('listeners: [1, 2\n')[0]).toMatch(/^hub\.yaml:\d+:\d+: YAML syntax: /);
  });

  test('mqtts needs its certificate and key', () => {
    expect(problemsOf('listeners:\n  mqtts:\n    port: 8883\n')).toEqual([
      // a missing key points at the mapping that lacks it
      'hub.yaml:2:3: listeners.mqtts.cert_file: missing required key "cert_file"',
      'hub.yaml:2:3: listeners.mqtts.key_file: missing required key "key_file"',
    ]);
  });

  test('cross-checks: colliding ports, no MQTT listener, client certs without a CA', () => {
    expect(problemsOf('listeners:\n  http:\n    port: 1883\n')).toEqual(['hub.yaml:3:11: listeners.http.port: port 1883 is already used by listeners.mqtt: give each listener its own port']);
    expect(problemsOf('listeners:\n  mqtt:\n    enabled: false\n')).toEqual([expect.stringMatching(/^hub\.yaml:3:14: listeners\.mqtt\.enabled: no MQTT listener left/)]);
    expect(problemsOf('listeners:\n  mqtts: { cert_file: c, key_file: k, require_client_cert: true }\n')).toEqual([expect.stringMatching(/listeners\.mqtts\.require_client_cert: require_client_cert needs ca_file/)]);
    // different interfaces may share a port
    expect(loadHubConfigText('listeners:\n  mqtt: { host: 127.0.0.1, port: 9000 }\n  http: { host: 127.0.0.2, port: 9000 }\n', 'hub.yaml').listeners.http.port).toBe(9000);
  });

  test('a missing file is ERR_HUB_CONFIG_NOT_FOUND', () => {
    expect(() => loadHubConfig(join(dir.path, 'nope.yaml'))).toThrow(expect.objectContaining({ code: 'ERR_HUB_CONFIG_NOT_FOUND', message: expect.stringContaining('no such file') }));
  });

  test('flows/hub.example.yaml is valid, points editors at the schema, and spells out the defaults', () => {
    const file = join(repoRoot, 'flows/hub.example.yaml');
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./hub.schema.json');
    expect(loadHubConfig(file)).toEqual({ file, ...defaults });
  });
});

describe('the hub schema', () => {
  test('flows/hub.schema.json is up to date', () => {
    for (const artifact of hubConfigArtifacts()) {
      let checkedIn = '';
      try {
        checkedIn = readFileSync(join(repoRoot, artifact.path), 'utf8');
      } catch {
        // reported as stale below
      }
      expect(checkedIn === artifact.text, `${artifact.path} is stale: regenerate it with \`${HUB_REGENERATE_COMMAND}\``).toBe(true);
    }
  });

  test('every key has a description, and docs/hub.md documents every key', () => {
    const docs = readFileSync(join(repoRoot, 'docs/hub.md'), 'utf8');
    const missing: string[] = [];
    const walk = (schema: JsonSchema, path: string[]) => {
      for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) {
        const name = [...path, key].join('.');
        if (typeof child.description !== 'string') missing.push(`${name}: no description`);
        if (!docs.includes(`\`${key}\``) && !docs.includes(`\`${path.at(-1)}.${key}\``)) missing.push(`${name}: not in docs/hub.md`);
        walk(child, [...path, key]);
      }
    };
    walk(buildHubSchema(), []);
    expect(missing).toEqual([]);
  });

  test('hub agent ids follow the flow\'s agent.id pattern', () => {
    expect(AGENT_ID_PATTERN).toBe(FLOW_AGENT_ID_PATTERN);
  });
});

describe('tributary hub --config (built CLI)', () => {
  test('an invalid config exits 78 with every problem on stderr; a missing one exits 66', async () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, 'limits:\n  max_conections: 3\nauth:\n  allow_anonymous: 1\n');
    const bad = startCli(['hub', '--config', file]);
    expect((await bad.exited).code).toBe(78);
    expect(bad.logs.map((line) => String(line.msg))).toEqual([
      `${file}:2:3: limits.max_conections: unknown key "max_conections" (did you mean "max_connections"?)`,
      `${file}:4:20: auth.allow_anonymous: expected boolean, got number 1`,
      `${file}: invalid (2 problems)`,
    ]);

    const missing = startCli(['hub', '--config', join(dir.path, 'missing.yaml')]);
    expect((await missing.exited).code).toBe(66);
  });

  test('a valid config starts the hub on its listeners; SIGTERM stops it with exit 0', async () => {
    const file = join(dir.path, 'run.yaml');
    writeFileSync(file, `hub:\n  id: test-hub\n  data_dir: ${join(dir.path, 'run-data')}\nlisteners:\n  mqtt: { port: 0 }\n  http: { port: 0 }\n`);
    const hub = startCli(['hub', '--config', file]);
    try {
      const listening = await hub.waitForLog((line) => line.listener === 'mqtt' && typeof line.port === 'number');
      expect(listening.host).toBe('127.0.0.1');
      await hub.waitForLog((line) => String(line.msg).startsWith('hub test-hub started'));
      const port = Number(listening.port);
      const client = await connectClient(`mqtt://127.0.0.1:${port}`, { clientId: 'nobody', username: 'nobody', password: 'not-registered' }).catch((error: { code?: number }) => error);
      expect(client).toMatchObject({ code: 4 });
    } finally {
      hub.child.kill('SIGTERM');
    }
    expect(await hub.exited).toEqual({ code: 0, signal: null });
  });
});
