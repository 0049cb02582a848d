import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitForPort } from '../../helpers/broker.js';
import { tempDir } from '../../helpers/temp-dir.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function connectClient(port: number, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, protocolVersion: 4, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (error) => {
      client.end(true);
      reject(error);
    });
  });
}

// The edge broker exactly as docker-compose.yml starts it (deploy/mosquitto/: config, ACLs, entrypoint),
// with container paths and ports rewritten for this machine's mosquitto.
describe('deploy/mosquitto: the edge broker of the compose stack', () => {
  const password = 'edge-secret-Zq81x';
  let dir: ReturnType<typeof tempDir>;
  let broker: ChildProcess;
  let agentPort: number;
  let sensorPort: number;
  let output = '';

  beforeAll(async () => {
    expect(existsSync('/usr/sbin/mosquitto') || spawnSync('sh', ['-c', 'command -v mosquitto']).status === 0, 'mosquitto is installed (apt-get install mosquitto)').toBe(true);
    dir = tempDir();
    agentPort = await freePort();
    sensorPort = await freePort();
    const config = join(dir.path, 'config');
    cpSync(join(root, 'deploy/mosquitto'), config, { recursive: true });
    mkdirSync(join(dir.path, 'data'));
    // Started as root (as in its container) mosquitto drops to its own user, which must reach these files.
    chmodSync(dir.path, 0o755);
    if (process.getuid?.() === 0 && spawnSync('id', ['mosquitto']).status === 0) spawnSync('chown', ['mosquitto:mosquitto', join(dir.path, 'data')]);
    const text = readFileSync(join(config, 'mosquitto.conf'), 'utf8')
      .replaceAll('/mosquitto/data/', `${dir.path}/data/`)
      .replaceAll('/mosquitto/auth/', `${dir.path}/auth/`)
      .replaceAll('/mosquitto/config/', `${config}/`)
      .replace(/^listener 1883$/m, `listener ${agentPort} 127.0.0.1`)
      .replace(/^listener 1884$/m, `listener ${sensorPort} 127.0.0.1`);
    expect(text).toMatch(new RegExp(`^listener ${agentPort} `, 'm'));
    expect(text).toMatch(new RegExp(`^listener ${sensorPort} `, 'm'));
    writeFileSync(join(config, 'mosquitto.conf'), text);
    writeFileSync(join(dir.path, 'edge_mqtt_password'), `${password}\n`);
    broker = spawn('sh', [join(config, 'entrypoint.sh')], {
      env: { ...process.env, PATH: `/usr/sbin:${process.env.PATH ?? ''}`, EDGE_MQTT_PASSWORD_FILE: join(dir.path, 'edge_mqtt_password'), MOSQUITTO_AUTH_DIR: join(dir.path, 'auth'), MOSQUITTO_CONFIG: join(config, 'mosquitto.conf') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    broker.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    broker.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await waitForPort(sensorPort, broker, () => output);
    await waitForPort(agentPort, broker, () => output);
  });

  afterAll(async () => {
    if (broker && broker.exitCode === null) {
      const exited = new Promise((resolve) => broker.once('exit', resolve));
      broker.kill('SIGTERM');
      await exited;
    }
    dir?.remove();
  });

  it('the password file made from the secret holds a hash, not the password', () => {
    const passwd = readFileSync(join(dir.path, 'auth', 'passwd'), 'utf8');
    expect(passwd).toMatch(/^tributary:\$\d+\$/);
    expect(passwd).not.toContain(password);
  });

  it('the agent logs in with the secret; a wrong password and anonymous clients are refused on its listener', async () => {
    const agent = await connectClient(agentPort, { username: 'tributary', password });
    agent.end(true);
    await expect(connectClient(agentPort, { username: 'tributary', password: 'wrong' })).rejects.toThrow(/Not authorized|Bad username/i);
    await expect(connectClient(agentPort)).rejects.toThrow(/Not authorized|Bad username/i);
  });

  it('anonymous sensors publish readings the agent receives, and cannot publish anywhere else', async () => {
    const agent = await connectClient(agentPort, { username: 'tributary', password, clientId: 'agent-test', clean: true });
    const received: string[] = [];
    const got = new Promise<void>((resolve) => agent.on('message', (topic) => {
      received.push(topic);
      if (topic.endsWith('/climate')) resolve();
    }));
    await agent.subscribeAsync('greenhouse/#', { qos: 1 });
    const sensor = await connectClient(sensorPort, { clientId: 'sensor-test' });
    // In order on one connection: were the first one let through, the agent would see it first.
    await sensor.publishAsync('greenhouse/gh-001/firmware', 'x', { qos: 1 });
    await sensor.publishAsync('greenhouse/gh-001/climate', JSON.stringify({ temperature_c: 21.5 }), { qos: 1 });
    await got;
    expect(received).toEqual(['greenhouse/gh-001/climate']);
    sensor.end(true);
    agent.end(true);
  });

  it('the compose healthcheck command succeeds against it', () => {
    const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain('"mosquitto_sub", "-h", "127.0.0.1", "-p", "1884", "-t", "$$SYS/broker/uptime", "-C", "1", "-W", "5"');
    const r = spawnSync('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(sensorPort), '-t', '$SYS/broker/uptime', '-C', '1', '-W', '5'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\d+ seconds/);
  });
});

describe('deploy/compose/register-agents.sh (the hub-setup service)', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeAll(() => {
    expect(existsSync(join(root, 'dist/cli/tributary.js')), 'run "npm run build" first').toBe(true);
    dir = tempDir();
  });
  afterAll(() => dir.remove());

  it('registers every agent with its secret, and a second run (a rotated password) succeeds too', () => {
    const bin = join(dir.path, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'tributary'), `#!/bin/sh\nexec "${process.execPath}" "${root}dist/cli/tributary.js" "$@"\n`);
    chmodSync(join(bin, 'tributary'), 0o755);
    const secrets = join(dir.path, 'secrets');
    mkdirSync(secrets);
    writeFileSync(join(secrets, 'greenhouse_a_hub_password'), 'greenhouse-pw-123456\n');
    writeFileSync(join(secrets, 'fleet_gps_hub_password'), 'fleet-gps-pw-123456\n');
    const config = join(dir.path, 'hub.yaml');
    writeFileSync(config, `hub:\n  data_dir: ${join(dir.path, 'hub')}\n`);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, TRIBUTARY_HUB_CONFIG: config, TRIBUTARY_AGENTS: 'greenhouse-a fleet-gps', TRIBUTARY_SECRETS_DIR: secrets, TRIBUTARY_LOG_LEVEL: 'warn' };
    for (let run = 0; run < 2; run++) {
      const r = spawnSync('sh', [join(root, 'deploy/compose/register-agents.sh')], { env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    const list = spawnSync(process.execPath, [join(root, 'dist/cli/tributary.js'), 'hub', 'agent', 'list', '--json', '--config', config], { encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    const agents = JSON.parse(list.stdout) as { agentId: string; status: string }[];
    expect(agents.map((a) => `${a.agentId}:${a.status}`).sort()).toEqual(['fleet-gps:active', 'greenhouse-a:active']);
  });

  it('fails (non-zero) when a secret is missing, so the hub does not start without its agents', () => {
    const config = join(dir.path, 'hub.yaml');
    const r = spawnSync('sh', [join(root, 'deploy/compose/register-agents.sh')], {
      env: { ...process.env, TRIBUTARY_HUB_CONFIG: config, TRIBUTARY_AGENTS: 'nobody', TRIBUTARY_SECRETS_DIR: join(dir.path, 'secrets'), PATH: `${join(dir.path, 'bin')}:${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    expect(r.status).toBe(66);
  });
});
