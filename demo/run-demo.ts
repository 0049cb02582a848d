import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { createServer, type Server } from 'node:net';
import { dirname, join, resolve } from 'node:path';
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
  /** The hub's HTTP port (dashboard and API); taken when free, else any free port. */
  httpPort: number;
  /** Where the hub's HTTP listener binds: 127.0.0.1 keeps the dashboard on this machine. */
  httpHost: string;
  /** Pull the GPS cable this often (0 = never); it stays out 8 s, or half the period when that is shorter. */
  gpsUnplugEveryS: number;
}

interface DemoProcess {
  name: string;
  dataDir: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}


/**
 * The measurements the demo's live view charts: without `aggregate.metrics` every numeric field would
 * be one (the sensors' sequence numbers and timestamps too).
 */
const DEMO_AGGREGATE = 'aggregate:\n  metrics: [value.temperature_c, value.humidity_pct, value.co2_ppm, value.speed_m_s, value.altitude_m, value.satellites, value.hdop]\n';

/**
 * The demo: a hub, an edge MQTT broker with simulated climate sensors, a simulated GPS receiver on a
 * real virtual serial port (socat), and two agents (flows/gps-tracker.yaml, flows/greenhouse.yaml)
 * forwarding to the hub, each its own process. Prints the dashboard's URL and login token, then what
 * every log holds every 10 s; Ctrl-C stops everything cleanly.
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

    // both held open while picked: two ports picked one after the other can be the same
    const ports = await freePorts(2);
    const hubPort = ports[0]!;
    const sparePort = ports[1]!;
    const httpPort = options.httpPort !== 0 && options.httpPort !== hubPort && (await isPortFree(options.httpPort, options.httpHost)) ? options.httpPort : sparePort;
    const token = dashboardToken(dataDir);
    const hubConfig = join(dataDir, 'hub.yaml');
    writeFileSync(
      hubConfig,
      `hub: { id: demo-hub, data_dir: ${join(dataDir, 'hub')} }\nlisteners:\n  mqtt: { host: 127.0.0.1, port: ${hubPort} }\n  http: { host: ${options.httpHost}, port: ${httpPort} }\napi:\n  token: { file: ${token.file} }\n${DEMO_AGGREGATE}`,
    );
    const passwords: Record<string, string> = {};
    for (const agentId of ['van-017', 'greenhouse-a']) passwords[agentId] = await registerAgent(hubConfig, agentId, dataDir);
    const hub = startProcess('hub', ['hub', '--config', hubConfig], join(dataDir, 'hub'), dataDir, {});
    cleanups.push(() => stopProcesses([hub]));
    await waitForHub(hub, options.httpHost, httpPort);
    console.log(`demo: hub (pid ${hub.child.pid}) on mqtt://127.0.0.1:${hubPort}, its log in ${join(dataDir, 'hub')}`);

    const env = { TRIBUTARY_DATA_DIR: dataDir, GPS_PORT: gps.path, GREENHOUSE_MQTT_URL: broker.url, GREENHOUSE_MQTT_PASSWORD: 'demo', TRIBUTARY_HUB_URL: `mqtt://127.0.0.1:${hubPort}` };
    const agents = [
      startProcess('gps-tracker', ['agent', '--flow', join(root, 'flows/gps-tracker.yaml')], join(dataDir, 'van-017'), dataDir, { ...env, TRIBUTARY_HUB_PASSWORD_FILE: passwords['van-017']! }),
      startProcess('greenhouse', ['agent', '--flow', join(root, 'flows/greenhouse.yaml')], join(dataDir, 'greenhouse-a'), dataDir, { ...env, TRIBUTARY_HUB_PASSWORD_FILE: passwords['greenhouse-a']! }),
    ];
    cleanups.push(() => stopProcesses(agents));
    // A pty drops bytes written before the agent opens it: give the agents a moment first.
    await new Promise((r) => setTimeout(r, 1500));
    await gps.start();
    const sensors = await startMqttSensors({ url: broker.url, count: options.sensors, topicPrefix: 'greenhouse', ratePerSec: 2, qos: 1, faults: { garbageProbability: 0.01 } });
    cleanups.push(() => sensors.stop());
    console.log(`demo: ${options.sensors} simulated climate sensors publishing to greenhouse/<id>/climate (QoS 1, 2/s each, 1% garbage)`);
    const shownHost = options.httpHost === '0.0.0.0' || options.httpHost === '::' ? hostname() : options.httpHost;
    console.log(`demo: inspect any log with  node bin/tributary.js log dump --data-dir ${hub.dataDir} --from 0 --to 5`);
    console.log(`demo: process logs are in ${dataDir}/<name>.log`);
    console.log('');
    console.log(`  Dashboard:  http://${shownHost}:${httpPort}/`);
    console.log(`  Login token: ${token.value}   (also in ${token.file})`);
    console.log('');
    console.log('demo: Ctrl-C stops everything\n');

    let stopping = false;
    const stopped = new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
      if (options.durationS > 0) setTimeout(done, options.durationS * 1000).unref();
      for (const a of [...agents, hub]) void a.exited.then((code) => {
        if (stopping) return;
        console.error(`demo: ${a.name} exited (code ${code}); see ${dataDir}/${a.name}.log`);
        done();
      });
    });
    const timer = setInterval(() => printStatus([...agents, hub], sensors.counts().published), 10_000);
    const everyMs = options.gpsUnplugEveryS * 1000;
    const unplugs = everyMs > 0 ? setInterval(() => void pullGpsCable(gps, Math.min(GPS_UNPLUGGED_MS, everyMs / 2), () => stopping), everyMs) : undefined;
    await stopped;
    stopping = true;
    clearInterval(timer);
    clearInterval(unplugs);
    console.log('\ndemo: stopping');
    printStatus([...agents, hub], sensors.counts().published);
  } finally {
    await cleanup();
  }
  console.log('demo: stopped cleanly');
}

/** Every so often (--unplug-every) the GPS cable is pulled for a few seconds: the agent's serial source goes red on the dashboard, then recovers. */
const GPS_UNPLUGGED_MS = 8_000;

async function pullGpsCable(gps: SerialDevice, unpluggedMs: number, stopping: () => boolean): Promise<void> {
  try {
    if (stopping()) return;
    console.log(`demo: fault: the GPS receiver's cable is pulled for ${unpluggedMs / 1000} s (van-017's serial source on the dashboard)`);
    await gps.unplug();
    await new Promise((resolve) => setTimeout(resolve, unpluggedMs));
    // Stopping meanwhile: the device is closed, leave it unplugged.
    if (stopping()) return;
    await gps.replug();
    console.log('demo: the GPS receiver is plugged back in');
  } catch (error) {
    console.error(`demo: could not simulate the GPS unplug: ${String(error)}`);
  }
}

/** Starts `tributary ARGS` as users run it (bin/tributary.js sizes an agent's heap before the CLI loads). */
function startProcess(name: string, args: string[], processDataDir: string, dataDir: string, env: Record<string, string>): DemoProcess {
  const log = createWriteStream(join(dataDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [join(root, 'bin/tributary.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'pipe'] });
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  if (name !== 'hub') console.log(`demo: agent ${name} (pid ${child.pid}) running ${args.at(-1)}`);
  return { name, dataDir: processDataDir, child, exited };
}

async function stopProcesses(processes: DemoProcess[]): Promise<void> {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await Promise.race([Promise.all(processes.map((p) => p.exited)), new Promise((r) => setTimeout(r, 10_000))]);
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
}

/** `tributary hub agent add ID`: the password goes to a file only the demo reads. */
async function registerAgent(hubConfig: string, agentId: string, dataDir: string): Promise<string> {
  const child = spawn(process.execPath, [join(root, 'bin/tributary.js'), 'hub', 'agent', 'add', agentId, '--config', hubConfig, '--replace'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`could not register agent ${agentId} at the hub (exit ${code})`);
  const file = join(dataDir, 'secrets', `${agentId}.password`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, out.trim(), { mode: 0o600 });
  return file;
}

/** The dashboard login token: kept across demo runs (a browser's session survives a restart of the demo only with the same token). */
function dashboardToken(dataDir: string): { file: string; value: string } {
  const file = join(dataDir, 'secrets', 'dashboard-token');
  if (existsSync(file)) return { file, value: readFileSync(file, 'utf8').trim() };
  mkdirSync(dirname(file), { recursive: true });
  const value = randomBytes(16).toString('hex');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return { file, value };
}

async function isPortFree(port: number, host: string): Promise<boolean> {
  const server = createServer();
  const free = await new Promise<boolean>((done) => {
    server.once('error', () => done(false));
    server.listen(port, host, () => done(true));
  });
  if (free) await new Promise<void>((done) => server.close(() => done()));
  return free;
}

/** `count` different free ports on 127.0.0.1. */
async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  await Promise.all(servers.map((server) => new Promise<void>((done) => server.listen(0, '127.0.0.1', done))));
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
  return ports;
}

/**
 * Waits for the hub's own GET /readyz to answer 200 (its MQTT listener is up): a port that merely
 * accepts connections could be another program's that took it after it was picked.
 */
async function waitForHub(hub: DemoProcess, httpHost: string, httpPort: number, timeoutMs = 15_000): Promise<void> {
  const host = httpHost === '0.0.0.0' || httpHost === '::' ? '127.0.0.1' : httpHost.includes(':') ? `[${httpHost}]` : httpHost;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (hub.child.exitCode !== null) throw new Error(`the hub exited (code ${hub.child.exitCode}); see its log`);
    const ready = await fetch(`http://${host}:${httpPort}/readyz`).then((r) => r.ok, () => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`the hub was not ready on port ${httpPort} within ${timeoutMs} ms; see its log`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function printStatus(processes: DemoProcess[], published: number): void {
  const rows = processes.map((a) => {
    try {
      const log = openReadOnlyLog(join(a.dataDir, 'log.db'));
      const stored = log.recordsAppended();
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
