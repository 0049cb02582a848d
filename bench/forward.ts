/**
 * Agent -> hub forwarding on loopback: the real `tributary agent` and `tributary hub` processes.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/forward.js [--records 1000000] [--in-flight 8,32] [--batch-records 5000] [--runs 1]
 *     [--only throughput|drain] [--live-rate 2000] [--outage-s 20] [--warmup-s 5] [--reconnect-max-ms 30000]
 *     [--stall-timeout-s 30] [--timeline] [--hub-node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof"] [--agent-node-flags="..."]
 *
 * 1. Durable forward throughput. An agent log is filled with `--records` ~100-byte records (generate
 *    source, as fast as the log takes them, no hub listening). Per row (forward.max_in_flight x
 *    forward.batch_max_records), a copy of that log is forwarded by a fresh agent (whose only source
 *    makes no records) to a fresh hub, which acknowledges a batch only after its durable group commit
 *    (WAL, synchronous=FULL). Rate = records after the first hub commit / (last - first commit), from the
 *    hub log's append_ts. Baselines in the same run, same messages (built from the same log the way the
 *    forwarder builds them), same in-flight window per partition, one mqtt.js client, QoS 1: to mosquitto
 *    and to a bare aedes with no subscriber and no ingest (what moving the bytes costs); and the real agent
 *    to that bare aedes answering its hello (agent side and transport, no ingest).
 * 2. Backlog drain vs live. An agent generates `--live-rate` rec/s (8 keys) forwarding to the hub; after
 *    a warm-up the hub is stopped (SIGTERM) for `--outage-s`, then restarted. Drain rate = records the
 *    hub acknowledged from the agent's reconnect until its lag (records generated - records at the hub)
 *    is back to the live level; latency of a record = append_ts of its hub batch - its ts (generation
 *    time), over records generated from the reconnect (and, separately, from the hub restart, which
 *    adds the agent's reconnect backoff) until 5 s after the drain.
 * Peak RSS = VmHWM; CPU = utime+stime from /proc over the measured interval, divided by the records.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeBatch } from '../core/log/batch.js';
import { openReadOnlyLog, type ReadOnlyLog } from '../core/log/read-only.js';
import { freePort, startMosquitto } from '../test/helpers/broker.js';
import type { AedesChildOptions, AedesChildResult } from './forward-aedes-child.js';
import type { ForwardPublisherOptions, ForwardPublisherResult } from './forward-publisher-child.js';
import { benchProcesses, waitForCount, type Child, type Line } from './child-process.js';
import { fmt, formatTable, machineLine, medianRun, percentiles, sampleProcess, tempDir, type ProcessSample } from './report.js';

// Numbers are parsed with Number(): a typo gives NaN and a loud failure rather than a silent default.
const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    /** forward.max_in_flight values, one row each. */
    'in-flight': { type: 'string', default: '8,32' },
    /** forward.batch_max_records values, one row each. */
    'batch-records': { type: 'string', default: '5000' },
    /** Each throughput row is run this many times (rows interleaved); the run with the median rate is shown. */
    runs: { type: 'string', default: '1' },
    only: { type: 'string' },
    'live-rate': { type: 'string', default: '2000' },
    'outage-s': { type: 'string', default: '20' },
    'warmup-s': { type: 'string', default: '5' },
    /** forward.reconnect_max_ms of the drain scenario's agent (default: the flow default, 30000). */
    'reconnect-max-ms': { type: 'string' },
    'stall-timeout-s': { type: 'string', default: '30' },
    /** For investigations, e.g. --hub-node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof" (space-separated). */
    'hub-node-flags': { type: 'string', default: '' },
    'agent-node-flags': { type: 'string', default: '' },
    /** Drain scenario: print every hub commit from the hub restart on (time, records, lag) on stderr. */
    timeline: { type: 'boolean', default: false },
  },
});
const records = Number(values.records);
const inFlights = values['in-flight'].split(',').map(Number);
const batchRecordsList = values['batch-records'].split(',').map(Number);
const runs = Number(values.runs);
const liveRate = Number(values['live-rate']);
const outageMs = Number(values['outage-s']) * 1000;
const warmupMs = Number(values['warmup-s']) * 1000;
const reconnectMaxMs = values['reconnect-max-ms'] === undefined ? undefined : Number(values['reconnect-max-ms']);
const stallTimeoutMs = Number(values['stall-timeout-s']) * 1000;
const hubNodeFlags = values['hub-node-flags'].split(' ').filter((f) => f !== '');
const agentNodeFlags = values['agent-node-flags'].split(' ').filter((f) => f !== '');
for (const [name, n] of Object.entries({ records, runs, liveRate, outageMs, warmupMs, stallTimeoutMs, reconnectMaxMs: reconnectMaxMs ?? 1 })) {
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: expected a positive number`);
}
if ([...inFlights, ...batchRecordsList].some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--in-flight and --batch-records: expected comma-separated whole numbers >= 1');
if (values.only !== undefined && values.only !== 'throughput' && values.only !== 'drain') throw new Error(`--only ${values.only}: expected throughput or drain`);

const agentId = 'bench-agent';
const agentPartitions = 4;
/** 56 filler characters make a stored tuple of ~100 bytes: ["gen-12",1764000000000,"<56 chars>",{"source":"gen"}] */
const payloadBytes = 56;
const throughputKeys = 16;
const drainKeys = 8;

const here = fileURLToPath(new URL('.', import.meta.url));
const cli = join(here, '..', 'cli', 'tributary.js');
const publisherScript = join(here, 'forward-publisher-child.js');
const aedesScript = join(here, 'forward-aedes-child.js');
for (const file of [cli, publisherScript, aedesScript]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npx tsc -p tsconfig.json" first`);
}

const { startChild, cleanups, runCleanups, killAll, progress } = benchProcesses({ tag: 'forward', stopGraceMs: 15_000 });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops a `tributary` process and fails loudly unless it exits 0 (a clean stop is part of what is measured). */
async function stopCleanly(child: Child): Promise<void> {
  const code = await child.stop();
  if (code !== 0) throw new Error(`${child.name} exited with code ${code} on SIGTERM; its stderr:\n${child.stderrTail()}`);
}

function storedRecords(log: ReadOnlyLog): number {
  return log.db.prepare('SELECT coalesce(sum(next_offset), 0) FROM partitions').pluck().get() as number;
}

/** The hub's working files: config, data dir, a registered agent and its password file. */
interface HubSetup {
  configPath: string;
  dataDir: string;
  port: number;
  passwordFile: string;
}

async function prepareHub(dir: string, passwordFile: string, maxInFlightPerClient: number): Promise<HubSetup> {
  const port = await freePort();
  const httpPort = await freePort();
  const dataDir = join(dir, 'hub');
  const configPath = join(dir, 'hub.yaml');
  writeFileSync(configPath, `hub: { id: bench-hub, data_dir: ${JSON.stringify(dataDir)} }
listeners:
  mqtt: { host: 127.0.0.1, port: ${port} }
  http: { host: 127.0.0.1, port: ${httpPort} }
limits: { max_in_flight_per_client: ${maxInFlightPerClient} }
`);
  const add = startChild('tributary hub agent add', [cli, 'hub', 'agent', 'add', agentId, '--password-file', passwordFile, '--config', configPath]);
  const code = await add.exited;
  if (code !== 0) throw new Error(`tributary hub agent add exited with code ${code}; its stderr:\n${add.stderrTail()}`);
  return { configPath, dataDir, port, passwordFile };
}

async function startHub(setup: HubSetup): Promise<Child> {
  const hub = startChild('hub', [cli, 'hub', '--config', setup.configPath], hubNodeFlags);
  await hub.waitFor('stderr', (l) => typeof l.msg === 'string' && /^hub \S+ started/.test(l.msg), 20_000, 'starting (log line "hub ... started")');
  return hub;
}

function startAgent(flowPath: string): Child {
  return startChild('agent', [cli, 'agent', '--flow', flowPath], agentNodeFlags);
}

const agentStarted = (l: Line): boolean => l.msg === 'agent started';
const agentConnected = (l: Line): boolean => l.msg === 'connected to the hub; forwarding';

function forwardYaml(url: string, passwordFile: string, extra: Record<string, number>): string {
  return `forward:
  url: ${url}
  password: { file: ${JSON.stringify(passwordFile)} }
${Object.entries(extra).map(([k, v]) => `  ${k}: ${v}\n`).join('')}`;
}

// ---------------------------------------------------------------------------------------------------
// 1. Durable forward throughput
// ---------------------------------------------------------------------------------------------------

type Path = 'mosquitto' | 'aedes' | 'agent-aedes' | 'hub';
const pathLabels: Record<Path, string> = {
  mosquitto: 'mqtt.js -> mosquitto (no subscriber)',
  aedes: 'mqtt.js -> bare aedes (no ingest)',
  'agent-aedes': 'agent -> bare aedes (no ingest)',
  hub: 'agent -> hub (durable, FULL)',
};

interface ThroughputConfig {
  inFlight: number;
  batchRecords: number;
}

interface ThroughputResult {
  path: Path;
  records: number;
  messages: number;
  /** Hub rows: distinct append_ts values, i.e. group commits (two in the same millisecond count once). */
  commits?: number;
  bodyBytes: number;
  rate: number;
  /** agent start (or publisher's first publish) -> all records acknowledged, s. */
  wallSeconds: number;
  receiverPeakMiB: number;
  receiverCpuUs: number;
  senderPeakMiB: number;
  senderCpuUs: number;
}

/** The filled agent log every row forwards a copy of. */
interface Filled {
  dataDir: string;
  records: number;
  bodyBytes: number;
  batches: number;
  fillRate: number;
}

const cpuUs = (end: ProcessSample | undefined, start: ProcessSample | undefined, n: number): number => (end && start ? ((end.cpuMs - start.cpuMs) * 1000) / n : NaN);

async function fillAgentLog(dir: string, passwordFile: string): Promise<Filled> {
  const dataDir = join(dir, 'filled-agent');
  const flowPath = join(dir, 'fill.yaml');
  // A forward section (to a port nothing listens on) so the log keeps every record unacknowledged, as a real agent's would.
  const deadPort = await freePort();
  writeFileSync(flowPath, `agent: { id: ${agentId}, data_dir: ${JSON.stringify(dataDir)} }
sources:
  gen: { type: generate, rate_per_sec: 0, count: ${records}, key_count: ${throughputKeys}, payload_bytes: ${payloadBytes} }
buffer: { inputs: [gen], partitions: ${agentPartitions}, max_bytes: ${Math.max(256 * 1024 * 1024, records * 300)} }
${forwardYaml(`mqtt://127.0.0.1:${deadPort}`, passwordFile, {})}`);
  progress(`filling an agent log with ${records} records (generate source, rate_per_sec 0, no hub listening)`);
  const agent = startAgent(flowPath);
  cleanups.push(async () => {
    await agent.stop();
  });
  await agent.waitFor('stderr', agentStarted, 20_000, 'starting');
  const log = openReadOnlyLog(join(dataDir, 'log.db'));
  const startedAt = performance.now();
  let stored = 0;
  try {
    let lastReport = 0;
    let lastMove = performance.now();
    while (stored < records) {
      await sleep(100);
      const n = storedRecords(log);
      if (n !== stored) lastMove = performance.now();
      stored = n;
      if (performance.now() - lastReport > 2000) {
        lastReport = performance.now();
        progress(`fill: ${stored} / ${records}`);
      }
      if (agent.process.exitCode !== null) throw new Error(`the agent exited during the fill; its stderr:\n${agent.stderrTail()}`);
      if (performance.now() - lastMove > stallTimeoutMs) throw new Error(`fill stuck at ${stored} records; agent stderr:\n${agent.stderrTail()}`);
    }
  } finally {
    log.close();
  }
  const fillSeconds = (performance.now() - startedAt) / 1000;
  await stopCleanly(agent);
  const check = openReadOnlyLog(join(dataDir, 'log.db'));
  try {
    const total = storedRecords(check);
    const row = check.db.prepare('SELECT coalesce(sum(length(body)), 0) AS bytes, count(*) AS batches FROM batches').get() as { bytes: number; batches: number };
    if (total !== records) throw new Error(`the filled log holds ${total} records, expected ${records}`);
    return { dataDir, records: total, bodyBytes: row.bytes, batches: row.batches, fillRate: records / fillSeconds };
  } finally {
    check.close();
  }
}

/** The agent flow of a throughput row: forwards the copied log; its generate record is filtered out, so it adds none. */
function forwardOnlyFlow(dataDir: string, url: string, passwordFile: string, config: ThroughputConfig): string {
  return `agent: { id: ${agentId}, data_dir: ${JSON.stringify(dataDir)} }
sources:
  gen: { type: generate, rate_per_sec: 0, count: 1, payload_bytes: ${payloadBytes} }
processors:
  none: { type: filter, inputs: [gen], condition: "false" }
buffer: { inputs: [none], partitions: ${agentPartitions}, max_bytes: ${Math.max(256 * 1024 * 1024, records * 300)} }
${forwardYaml(url, passwordFile, { max_in_flight: config.inFlight, batch_max_records: config.batchRecords })}`;
}

async function runAgentRow(path: 'hub' | 'agent-aedes', config: ThroughputConfig, filled: Filled, passwordFile: string): Promise<ThroughputResult> {
  const label = `${pathLabels[path]}, in flight ${config.inFlight}, batch ${config.batchRecords}`;
  const mark = cleanups.length;
  const dir = tempDir('tributary-bench-forward-row-');
  cleanups.push(() => dir.remove());
  const agentDir = join(dir.path, 'agent');
  cpSync(filled.dataDir, agentDir, { recursive: true, filter: (source) => !source.endsWith('agent.lock') });
  const flowPath = join(dir.path, 'flow.yaml');
  let receiver: Child;
  let count: () => number;
  let hubLog: ReadOnlyLog | undefined;
  let hubSetup: HubSetup | undefined;
  if (path === 'hub') {
    hubSetup = await prepareHub(dir.path, passwordFile, Math.max(128, config.inFlight * agentPartitions));
    receiver = await startHub(hubSetup);
    cleanups.push(async () => {
      await receiver.stop();
    });
    hubLog = openReadOnlyLog(join(hubSetup.dataDir, 'log.db'));
    cleanups.push(() => hubLog!.close());
    const log = hubLog;
    count = () => storedRecords(log);
    writeFileSync(flowPath, forwardOnlyFlow(agentDir, `mqtt://127.0.0.1:${hubSetup.port}`, passwordFile, config));
  } else {
    const options: AedesChildOptions = { answerHello: true, expectRecords: filled.records };
    receiver = startChild('bare aedes', [aedesScript, JSON.stringify(options)]);
    cleanups.push(async () => {
      await receiver.stop();
    });
    const listening = await receiver.waitFor('stdout', (l) => l.event === 'listening', 10_000, 'listening');
    count = () => {
      let n = 0;
      for (const l of receiver.stdoutLines) if (l.event === 'progress' || l.event === 'done') n = Math.max(n, l.records as number);
      return n;
    };
    writeFileSync(flowPath, forwardOnlyFlow(agentDir, `mqtt://127.0.0.1:${listening.port as number}`, passwordFile, config));
  }
  const receiverStart = sampleProcess(receiver.pid);
  const startedAt = Date.now();
  const agent = startAgent(flowPath);
  cleanups.push(async () => {
    await agent.stop();
  });
  await agent.waitFor('stderr', agentStarted, 20_000, 'starting');
  // Start-up CPU (loading the flow, opening the log) is left out; the hub connection is being set up at this point.
  const agentStart = sampleProcess(agent.pid);
  const receivedAtAgentStart = count();
  progress(`${label}: agent started, forwarding ${filled.records} records`);
  await waitForCount(label, count, filled.records, [agent, receiver], { stallTimeoutMs, pollMs: 50, progress });
  const doneAt = Date.now();
  const agentEnd = sampleProcess(agent.pid);
  const receiverEnd = sampleProcess(receiver.pid);
  if (receivedAtAgentStart > 0) progress(`${label}: note: ${receivedAtAgentStart} records were in before the agent's CPU baseline was taken`);
  await stopCleanly(agent);

  let result: Omit<ThroughputResult, 'receiverPeakMiB' | 'receiverCpuUs' | 'senderPeakMiB' | 'senderCpuUs'>;
  if (path === 'hub') {
    await stopCleanly(receiver);
    // Each hub batch is one message as the agent sent it; rate from the hub's own commit times.
    const rows = hubLog!.db.prepare('SELECT append_ts AS ts, count, length(body) AS bytes FROM batches ORDER BY append_ts').all() as { ts: number; count: number; bytes: number }[];
    const total = rows.reduce((n, r) => n + r.count, 0);
    if (total !== filled.records) throw new Error(`${label}: the hub log holds ${total} records, expected ${filled.records}`);
    const first = rows[0]!.ts;
    const last = rows[rows.length - 1]!.ts;
    const atFirst = rows.filter((r) => r.ts === first).reduce((n, r) => n + r.count, 0);
    result = { path, records: total, messages: rows.length, commits: new Set(rows.map((r) => r.ts)).size, bodyBytes: rows.reduce((n, r) => n + r.bytes, 0), rate: (total - atFirst) / ((last - first) / 1000), wallSeconds: (doneAt - startedAt) / 1000 };
  } else {
    const done = (await receiver.waitFor('stdout', (l) => l.event === 'done', 10_000, 'reporting')) as unknown as AedesChildResult;
    await receiver.stop();
    result = { path, records: done.records, messages: done.messages, bodyBytes: filled.bodyBytes, rate: (done.records - done.recordsAtFirst) / ((done.lastMs - done.firstMs) / 1000), wallSeconds: (doneAt - startedAt) / 1000 };
  }
  const measured: ThroughputResult = {
    ...result,
    receiverPeakMiB: (receiverEnd?.peakRssKiB ?? NaN) / 1024,
    receiverCpuUs: cpuUs(receiverEnd, receiverStart, filled.records),
    senderPeakMiB: (agentEnd?.peakRssKiB ?? NaN) / 1024,
    senderCpuUs: cpuUs(agentEnd, agentStart, filled.records),
  };
  await runCleanups(mark);
  progress(`${label}: ${Math.round(measured.rate)} rec/s`);
  return measured;
}

async function runBaselineRow(path: 'mosquitto' | 'aedes', config: ThroughputConfig, filled: Filled): Promise<ThroughputResult> {
  const label = `${pathLabels[path]}, in flight ${config.inFlight}, batch ${config.batchRecords}`;
  const mark = cleanups.length;
  let url: string;
  let broker: { pid: number; stop: () => Promise<unknown> };
  if (path === 'mosquitto') {
    const m = await startMosquitto(['set_tcp_nodelay true']);
    url = m.url;
    broker = { pid: m.process.pid!, stop: () => m.stop() };
  } else {
    const options: AedesChildOptions = { answerHello: false, expectRecords: filled.records };
    const child = startChild('bare aedes', [aedesScript, JSON.stringify(options)]);
    const listening = await child.waitFor('stdout', (l) => l.event === 'listening', 10_000, 'listening');
    url = `mqtt://127.0.0.1:${listening.port as number}`;
    broker = { pid: child.pid, stop: () => child.stop() };
  }
  cleanups.push(async () => {
    await broker.stop();
  });
  const options: ForwardPublisherOptions = { url, logPath: join(filled.dataDir, 'log.db'), agentId, window: config.inFlight, batchMaxRecords: config.batchRecords, batchMaxBytes: 1024 * 1024 };
  const publisher = startChild('publisher', [publisherScript, JSON.stringify(options)]);
  cleanups.push(async () => {
    await publisher.stop();
  });
  await publisher.waitFor('stdout', (l) => l.event === 'ready', 60_000, 'building its messages');
  const brokerStart = sampleProcess(broker.pid);
  progress(`${label}: publishing`);
  const done = (await publisher.waitFor('stdout', (l) => l.event === 'done', stallTimeoutMs * 4, 'publishing every message')) as unknown as ForwardPublisherResult;
  const brokerEnd = sampleProcess(broker.pid);
  const publisherEnd = sampleProcess(publisher.pid);
  await publisher.exited;
  if (done.records !== filled.records) throw new Error(`${label}: published ${done.records} records, expected ${filled.records}`);
  const result: ThroughputResult = {
    path,
    records: done.records,
    messages: done.messages,
    bodyBytes: done.bodyBytes,
    rate: (done.records - done.recordsAtFirstAck) / ((done.lastAckMs - done.firstAckMs) / 1000),
    wallSeconds: (done.lastAckMs - done.firstPublishMs) / 1000,
    receiverPeakMiB: (brokerEnd?.peakRssKiB ?? NaN) / 1024,
    receiverCpuUs: cpuUs(brokerEnd, brokerStart, done.records),
    // The publisher holds every message in memory up front: its RSS says nothing about the agent's.
    senderPeakMiB: (publisherEnd?.peakRssKiB ?? NaN) / 1024,
    senderCpuUs: (done.cpuMs * 1000) / done.records,
  };
  await runCleanups(mark);
  progress(`${label}: ${Math.round(result.rate)} rec/s`);
  return result;
}

async function throughput(passwordFile: string, dir: string): Promise<void> {
  const filled = await fillAgentLog(dir, passwordFile);
  const bytesPerRecord = filled.bodyBytes / filled.records;
  console.log(`\n1. durable forward throughput: ${filled.records} records of ${bytesPerRecord.toFixed(1)} bytes (stored JSON tuple incl. separator; ${payloadBytes}-char filler value), ${throughputKeys} keys, agent log of ${agentPartitions} partitions in ${filled.batches} stored batches (filled at ${Math.round(filled.fillRate)} rec/s)`);
  console.log('   hub: defaults (16 partitions, commit_interval_ms 0, WAL + synchronous=FULL); mosquitto: persistence false, set_tcp_nodelay true; everything on 127.0.0.1');
  const configs: ThroughputConfig[] = inFlights.flatMap((inFlight) => batchRecordsList.map((batchRecords) => ({ inFlight, batchRecords })));
  const paths: Path[] = ['mosquitto', 'aedes', 'agent-aedes', 'hub'];
  const results = new Map<string, ThroughputResult[]>();
  const key = (c: ThroughputConfig, p: Path) => `${c.inFlight}/${c.batchRecords}/${p}`;
  for (let run = 1; run <= runs; run++) {
    if (runs > 1) progress(`throughput run ${run} of ${runs}`);
    for (const config of configs) {
      for (const path of paths) {
        const r = path === 'mosquitto' || path === 'aedes' ? await runBaselineRow(path, config, filled) : await runAgentRow(path, config, filled, passwordFile);
        results.set(key(config, path), [...(results.get(key(config, path)) ?? []), r]);
      }
    }
  }
  if (runs > 1) {
    console.log(`   each row: the median of ${runs} runs by rate (all rates, k rec/s: ${configs.flatMap((c) => paths.map((p) => `${p} ${c.inFlight}/${c.batchRecords} ${results.get(key(c, p))!.map((r) => Math.round(r.rate / 1000)).join('/')}`)).join('; ')})`);
  }
  const rows: (string | number)[][] = [];
  const goals: string[] = [];
  const notes: string[] = [];
  for (const config of configs) {
    const median = (p: Path) => medianRun(results.get(key(config, p))!);
    const mosquitto = median('mosquitto').rate;
    const aedes = median('aedes').rate;
    for (const path of paths) {
      const r = median(path);
      rows.push([
        config.inFlight,
        config.batchRecords,
        pathLabels[path],
        r.messages,
        fmt(r.rate),
        fmt((r.rate * bytesPerRecord) / 1e6, 1),
        (r.rate / mosquitto).toFixed(2),
        (r.rate / aedes).toFixed(2),
        fmt(r.wallSeconds, 2),
        fmt(r.receiverPeakMiB),
        fmt(r.receiverCpuUs, 2),
        fmt(r.senderPeakMiB),
        fmt(r.senderCpuUs, 2),
      ]);
    }
    const hubRow = median('hub');
    const hub = hubRow.rate;
    notes.push(`   hub, max_in_flight ${config.inFlight}, batch_max_records ${config.batchRecords}: ${hubRow.messages} messages in ${hubRow.commits} group commits (distinct append_ts)`);
    goals.push(`goal (issue): agent -> hub durable forward >= 200000 rec/s (max_in_flight ${config.inFlight}, batch_max_records ${config.batchRecords}): ${fmt(hub)} -> ${hub >= 200_000 ? 'met' : 'NOT met'}`);
  }
  console.log(formatTable(
    ['in flight', 'batch', 'path', 'messages', 'rec/s', 'MB/s', 'x mosquitto', 'x aedes', 'wall s', 'receiver peak RSS MiB', 'receiver CPU us/rec', 'sender peak RSS MiB', 'sender CPU us/rec'],
    rows,
  ));
  console.log('   rec/s: records after the first acknowledgement / time from the first to the last one (hub: its commit times, append_ts; aedes: arrival; mqtt.js: PUBACKs).');
  console.log('   wall s: agent start (or first publish) to the last record acknowledged. receiver = broker or hub; sender = mqtt.js publisher (holds every message in memory up front) or agent (CPU from "agent started").');
  for (const n of notes) console.log(n);
  for (const g of goals) console.log(g);
}

// ---------------------------------------------------------------------------------------------------
// 2. Backlog drain vs live
// ---------------------------------------------------------------------------------------------------

interface RecordAtHub {
  ts: number;
  appendTs: number;
}

async function drain(passwordFile: string, dir: string): Promise<void> {
  const rowDir = join(dir, 'drain');
  mkdirSync(rowDir);
  const hubSetup = await prepareHub(rowDir, passwordFile, 128);
  const agentDir = join(rowDir, 'agent');
  const flowPath = join(rowDir, 'live.yaml');
  const forwardExtra: Record<string, number> = reconnectMaxMs === undefined ? {} : { reconnect_max_ms: reconnectMaxMs, reconnect_min_ms: Math.min(500, reconnectMaxMs) };
  writeFileSync(flowPath, `agent: { id: ${agentId}, data_dir: ${JSON.stringify(agentDir)} }
sources:
  gen: { type: generate, rate_per_sec: ${liveRate}, key_count: ${drainKeys}, payload_bytes: ${payloadBytes} }
buffer: { inputs: [gen], partitions: ${agentPartitions} }
${forwardYaml(`mqtt://127.0.0.1:${hubSetup.port}`, passwordFile, forwardExtra)}`);
  console.log(`\n2. backlog drain vs live: generate ${liveRate} rec/s, ${drainKeys} keys, ~100-byte records, buffer ${agentPartitions} partitions; forward defaults${reconnectMaxMs === undefined ? '' : ` except reconnect_max_ms ${reconnectMaxMs}`}; warm-up ${warmupMs / 1000} s, hub stopped (SIGTERM) for ${outageMs / 1000} s, then restarted`);

  let hub = await startHub(hubSetup);
  cleanups.push(async () => {
    await hub.stop();
  });
  const agent = startAgent(flowPath);
  cleanups.push(async () => {
    await agent.stop();
  });
  const connected = await agent.waitFor('stderr', agentConnected, 20_000, 'connecting to the hub');
  const liveFrom = (connected.time as number) + 1000;
  progress(`drain: agent forwarding live; warming up ${warmupMs / 1000} s`);
  await sleep(warmupMs);
  const outageAt = Date.now();
  await stopCleanly(hub);
  progress(`drain: hub stopped; outage of ${outageMs / 1000} s`);
  await sleep(Math.max(0, outageMs - (Date.now() - outageAt)));
  const agentLinesBefore = agent.stderrLines.length;
  hub = await startHub(hubSetup);
  cleanups.push(async () => {
    await hub.stop();
  });
  const hubStartedLine = hub.stderrLines.find((l) => typeof l.msg === 'string' && /^hub \S+ started/.test(l.msg))!;
  const restartAt = hubStartedLine.time as number;
  const outageSeconds = (restartAt - outageAt) / 1000;
  progress('drain: hub restarted; waiting for the agent to reconnect (its backoff)');
  const reconnected = await agent.waitFor('stderr', agentConnected, 75_000, 'reconnecting to the hub', agentLinesBefore);
  const reconnectAt = reconnected.time as number;
  progress(`drain: agent reconnected ${((reconnectAt - restartAt) / 1000).toFixed(1)} s after the hub restart; draining`);
  // Live: wait until the hub has caught up (lag back to a second of records at most), then 5 s more plus a margin.
  const agentLog = openReadOnlyLog(join(agentDir, 'log.db'));
  cleanups.push(() => agentLog.close());
  const hubLog = openReadOnlyLog(join(hubSetup.dataDir, 'log.db'));
  cleanups.push(() => hubLog.close());
  let caughtUpAt: number | undefined;
  const deadline = Date.now() + 120_000;
  while (caughtUpAt === undefined || Date.now() < caughtUpAt + 7000) {
    await sleep(50);
    const lag = storedRecords(agentLog) - storedRecords(hubLog);
    if (caughtUpAt === undefined && lag <= liveRate) caughtUpAt = Date.now();
    if (Date.now() > deadline) throw new Error(`drain: the hub did not catch up within 120 s (lag ${lag} records); agent stderr:\n${agent.stderrTail()}`);
    for (const child of [agent, hub]) if (child.process.exitCode !== null) throw new Error(`drain: ${child.name} exited (code ${child.process.exitCode}); its stderr:\n${child.stderrTail()}`);
  }
  const agentSample = sampleProcess(agent.pid);
  const hubSample = sampleProcess(hub.pid);
  await stopCleanly(agent);
  await stopCleanly(hub);

  // Every record made, by generation time; every record at the hub, with the time of its commit.
  const generated: number[] = [];
  for (const p of agentLog.partitions) {
    for (const { batch } of agentLog.batches(p, 0, Number.MAX_SAFE_INTEGER)) for (const r of decodeBatch(batch.body, batch.codec)) generated.push(r.ts);
  }
  generated.sort((a, b) => a - b);
  const atHub: RecordAtHub[] = [];
  const commits = new Map<number, number>();
  const hubBatches: number[] = [];
  for (const p of hubLog.partitions) {
    for (const { batch } of hubLog.batches(p, 0, Number.MAX_SAFE_INTEGER)) {
      commits.set(batch.appendTs, (commits.get(batch.appendTs) ?? 0) + batch.count);
      hubBatches.push(batch.appendTs);
      for (const r of decodeBatch(batch.body, batch.codec)) atHub.push({ ts: r.ts, appendTs: batch.appendTs });
    }
  }
  const commitTimes = [...commits.keys()].sort((a, b) => a - b);
  const ackedBy: number[] = [];
  let cumulative = 0;
  for (const t of commitTimes) ackedBy.push((cumulative += commits.get(t)!));
  const upperBound = (sorted: number[], value: number): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const generatedBy = (t: number) => upperBound(generated, t);
  const acked = (t: number) => {
    const i = upperBound(commitTimes, t);
    return i === 0 ? 0 : ackedBy[i - 1]!;
  };
  // "Back to live": the lag at a hub commit (records made so far - records at the hub) is no more than in steady live forwarding.
  const liveLags = commitTimes.filter((t) => t >= liveFrom && t < outageAt).map((t) => generatedBy(t) - acked(t));
  const liveLag = percentiles(liveLags);
  const threshold = Math.max(Math.ceil(liveRate * 0.1), 2 * liveLag.p99);
  const drainEnd = commitTimes.find((t) => t >= reconnectAt && generatedBy(t) - acked(t) <= threshold);
  if (drainEnd === undefined) throw new Error('drain: the hub never caught up with the agent');
  const backlog = generatedBy(reconnectAt) - acked(reconnectAt);
  const drainRecords = acked(drainEnd) - acked(reconnectAt);
  const drainSeconds = (drainEnd - reconnectAt) / 1000;
  const drainRate = drainRecords / drainSeconds;
  const firstAfter = commitTimes.find((t) => t > reconnectAt)!;
  if (values.timeline) {
    for (const t of commitTimes.filter((c) => c >= restartAt && c <= drainEnd + 1000)) progress(`commit at reconnect ${t - reconnectAt >= 0 ? '+' : ''}${t - reconnectAt} ms: ${commits.get(t)} records, lag after it ${generatedBy(t) - acked(t)}`);
  }
  const liveStored = (generatedBy(outageAt) - generatedBy(liveFrom)) / ((outageAt - liveFrom) / 1000);
  // Distinct append_ts values: commits (two in the same millisecond count once), a lower bound.
  const liveCommits = commitTimes.filter((t) => t >= liveFrom && t < outageAt).length / ((outageAt - liveFrom) / 1000);
  const liveMessages = hubBatches.filter((t) => t >= liveFrom && t < outageAt).length / ((outageAt - liveFrom) / 1000);

  const latencies = (from: number, to: number): { p50: number; p95: number; p99: number; max: number; n: number; missing: number } => {
    const l = atHub.filter((r) => r.ts >= from && r.ts <= to).map((r) => r.appendTs - r.ts);
    const made = generatedBy(to) - generatedBy(from - 1);
    return { ...percentiles(l), n: l.length, missing: made - l.length };
  };
  const windowEnd = drainEnd + 5000;
  const before = latencies(liveFrom, outageAt - 200);
  const fromReconnect = latencies(reconnectAt, windowEnd);
  const fromRestart = latencies(restartAt, windowEnd);
  const duringDrain = latencies(reconnectAt, drainEnd);
  const afterDrain = latencies(drainEnd, windowEnd);
  const lat = (l: ReturnType<typeof latencies>) => `${fmt(l.p50)} / ${fmt(l.p95)} / ${fmt(l.p99)} / ${fmt(l.max)}`;
  console.log(formatTable(['figure', 'value'], [
    ['live rate, target / made before the outage (rec/s)', `${liveRate} / ${Math.round(liveStored)}`],
    ['hub down (SIGTERM -> restarted and listening, s)', outageSeconds.toFixed(1)],
    ['hub restart -> agent reconnected (its backoff, s)', ((reconnectAt - restartAt) / 1000).toFixed(2)],
    ['backlog when the agent reconnected (records)', backlog],
    ['reconnect -> first hub commit (ms)', firstAfter - reconnectAt],
    ['drain: reconnect -> caught up (s)', drainSeconds.toFixed(2)],
    ['records acknowledged during the drain', drainRecords],
    ['drain rate (rec/s)', Math.round(drainRate)],
    ['drain rate / live rate', (drainRate / liveRate).toFixed(1)],
    ['live, before the outage: agent messages / hub commits per s', `${Math.round(liveMessages)} / ${Math.round(liveCommits)}`],
    ['"caught up": lag at a hub commit <= (records)', `${threshold} (live lag p50/p99/max ${liveLag.p50}/${liveLag.p99}/${liveLag.max})`],
    ['latency live, before the outage: p50 / p95 / p99 / max (ms)', lat(before)],
    ['latency, made from reconnect to caught up + 5 s (ms)', `${lat(fromReconnect)} (${fromReconnect.n} records)`],
    ['  of which made from reconnect to caught up (ms)', `${lat(duringDrain)} (${duringDrain.n} records)`],
    ['  of which made in the 5 s after caught up (ms)', `${lat(afterDrain)} (${afterDrain.n} records)`],
    ['latency, made from hub restart to caught up + 5 s (ms)', `${lat(fromRestart)} (${fromRestart.n} records)`],
    ['hub peak RSS (MiB) / agent peak RSS (MiB)', `${fmt((hubSample?.peakRssKiB ?? NaN) / 1024)} / ${fmt((agentSample?.peakRssKiB ?? NaN) / 1024)}`],
  ]));
  for (const [name, l] of [['reconnect', fromReconnect], ['restart', fromRestart]] as const) {
    if (l.missing !== 0) console.log(`WARNING: ${l.missing} records made in the window from the ${name} are not in the hub log`);
  }
  console.log('   latency = append_ts of the record\'s hub batch (its durable commit) - the record\'s ts (generation time); same clock, same machine.');
  console.log(`goal (issue): drain >= 5x the live rate: ${(drainRate / liveRate).toFixed(1)}x -> ${drainRate >= 5 * liveRate ? 'met' : 'NOT met'}`);
  console.log(`goal (issue): live-record latency during the drain <= 1 s (p99 of records made from the reconnect to caught up + 5 s): ${fmt(fromReconnect.p99)} ms (max ${fmt(fromReconnect.max)}) -> ${fromReconnect.p99 <= 1000 ? 'met' : 'NOT met'}`);
  console.log(`goal (issue): live-record latency <= 1 s, p99 of records made from the hub restart to caught up + 5 s (includes waiting for the agent's reconnect backoff): ${fmt(fromRestart.p99)} ms (max ${fmt(fromRestart.max)}) -> ${fromRestart.p99 <= 1000 ? 'met' : 'NOT met'}`);
}

async function main(): Promise<void> {
  console.log(`forward: agent -> hub on loopback, real processes (node ${process.execPath}${hubNodeFlags.length > 0 ? `; hub node flags ${hubNodeFlags.join(' ')}` : ''}${agentNodeFlags.length > 0 ? `; agent node flags ${agentNodeFlags.join(' ')}` : ''})`);
  console.log(machineLine());
  const dir = tempDir('tributary-bench-forward-');
  // First in, last out: every process and read-only log is closed before the directory goes.
  cleanups.push(() => dir.remove());
  const passwordFile = join(dir.path, 'password');
  writeFileSync(passwordFile, randomBytes(24).toString('base64url'), { mode: 0o600 });
  if (values.only !== 'drain') await throughput(passwordFile, dir.path);
  if (values.only !== 'throughput') await drain(passwordFile, dir.path);
  await runCleanups();
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error(`forward benchmark failed: ${(error as Error).message}`);
    killAll();
    await runCleanups();
    process.exit(1);
  },
);
