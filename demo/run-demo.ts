import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openReadOnlyLog } from '../core/log/read-only.js';
import { SerialDevice } from '../sim-devices/serial/device.js';
import { startMqttSensors } from '../sim-devices/mqtt/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface DemoOptions {
  dataDir: string;
  sensors: number;
  /** Stop by itself after this many seconds (0 = until Ctrl-C). */
  durationS: number;
}

interface DemoAgent {
  name: string;
  flow: string;
  dataDir: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * The demo: an edge MQTT broker, simulated climate sensors on it, a simulated GPS receiver on a real
 * virtual serial port (socat), and two agents (flows/gps-tracker.yaml, flows/greenhouse.yaml), each its
 * own process. Prints what the agents have stored every few seconds; Ctrl-C stops everything cleanly.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((error: unknown) => console.error(`demo: cleanup: ${String(error)}`));
  };
  try {
    const broker = await startEdgeBroker();
    cleanups.push(() => broker.close());
    console.log(`demo: edge MQTT broker (aedes) on ${broker.url}`);

    const gps = await SerialDevice.create({ kind: 'nmea', ratePerSec: 2, faults: { garbage: 0.02, truncate: 0.02 } });
    cleanups.push(() => gps.close());
    console.log(`demo: simulated GPS receiver on virtual serial port ${gps.path} (socat pty), 2 sentences/s, occasional line noise`);

    const env = { TRIBUTARY_DATA_DIR: dataDir, GPS_PORT: gps.path, GREENHOUSE_MQTT_URL: broker.url, GREENHOUSE_MQTT_PASSWORD: 'demo' };
    const agents = [
      startAgent('gps-tracker', join(root, 'flows/gps-tracker.yaml'), join(dataDir, 'van-017'), dataDir, env),
      startAgent('greenhouse', join(root, 'flows/greenhouse.yaml'), join(dataDir, 'greenhouse-a'), dataDir, env),
    ];
    cleanups.push(() => stopAgents(agents));
    // A pty drops bytes written before the agent opens it: give the agents a moment first.
    await new Promise((r) => setTimeout(r, 1500));
    await gps.start();
    const sensors = await startMqttSensors({ url: broker.url, count: options.sensors, topicPrefix: 'greenhouse', ratePerSec: 2, qos: 1, faults: { garbageProbability: 0.01 } });
    cleanups.push(() => sensors.stop());
    console.log(`demo: ${options.sensors} simulated climate sensors publishing to greenhouse/<id>/climate (QoS 1, 2/s each, 1% garbage)`);
    console.log('demo: the hub and its dashboard come with the forwarding issue; meanwhile inspect the agents\' logs with');
    for (const a of agents) console.log(`        node bin/tributary.js log dump --data-dir ${a.dataDir} --from 0 --to 5`);
    console.log(`demo: agent logs are in ${dataDir}/<agent>.log; Ctrl-C stops everything\n`);

    let stopping = false;
    const stopped = new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
      if (options.durationS > 0) setTimeout(done, options.durationS * 1000).unref();
      for (const a of agents) void a.exited.then((code) => {
        if (stopping) return;
        console.error(`demo: agent ${a.name} exited (code ${code}); see ${dataDir}/${a.name}.log`);
        done();
      });
    });
    const timer = setInterval(() => printStatus(agents, sensors.counts().published), 3000);
    await stopped;
    stopping = true;
    clearInterval(timer);
    console.log('\ndemo: stopping');
    printStatus(agents, sensors.counts().published);
  } finally {
    await cleanup();
  }
  console.log('demo: stopped cleanly');
}

function startAgent(name: string, flow: string, agentDataDir: string, dataDir: string, env: Record<string, string>): DemoAgent {
  const log = createWriteStream(join(dataDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [join(root, 'dist/cli/tributary.js'), 'agent', '--flow', flow], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'pipe'] });
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  console.log(`demo: agent ${name} (pid ${child.pid}) running ${flow}`);
  return { name, flow, dataDir: agentDataDir, child, exited };
}

async function stopAgents(agents: DemoAgent[]): Promise<void> {
  for (const a of agents) if (a.child.exitCode === null) a.child.kill('SIGTERM');
  await Promise.race([Promise.all(agents.map((a) => a.exited)), new Promise((r) => setTimeout(r, 10_000))]);
  for (const a of agents) if (a.child.exitCode === null) a.child.kill('SIGKILL');
}

function printStatus(agents: DemoAgent[], published: number): void {
  const rows = agents.map((a) => {
    try {
      const log = openReadOnlyLog(join(a.dataDir, 'log.db'));
      const stored = log.db.prepare('SELECT coalesce(sum(next_offset), 0) FROM partitions').pluck().get() as number;
      const batches = log.db.prepare('SELECT count(*) FROM batches').pluck().get() as number;
      const drops = log.db.prepare('SELECT coalesce(sum(records), 0) FROM drops').pluck().get() as number;
      log.close();
      return `${a.name.padEnd(12)} stored ${String(stored).padStart(7)} records in ${String(batches).padStart(5)} batches, dropped ${drops}`;
    } catch {
      return `${a.name.padEnd(12)} (no log yet)`;
    }
  });
  console.log(`[${new Date().toISOString().slice(11, 19)}] sensors published ${published} MQTT messages\n  ${rows.join('\n  ')}`);
}

async function startEdgeBroker(): Promise<{ url: string; close: () => Promise<void> }> {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const server: Server = createServer({ noDelay: true }, (socket) => aedes.handle(socket));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((done) => aedes.close(() => done()));
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
