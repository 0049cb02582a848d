/**
 * MQTT source with end-to-end acknowledgements: the real `tributary agent` process (mqtt source,
 * PUBACK only once the record is durable in the log, synchronous=FULL) side by side with a plain
 * mqtt.js subscriber (mqtt.js acknowledges on arrival) on the same mosquitto broker, same publisher,
 * same records, in the same run.
 *
 *   npm run build && node dist/bench/mqtt-source.js [--records 200000] [--runs 3] [--window 1000] [--broker-inflight 1000] [--stall-timeout-s 30]
 *     [--only live-qos1|live-qos0|backlog-qos1] [--agent-node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof"]
 *
 * Each row gets a fresh mosquitto, a publisher process (mqtt.js, 100-byte JSON payloads carrying
 * Date.now(), a window of publishes in flight) and a consumer process:
 * - live: the consumer is subscribed while the publisher runs (end-to-end rate and latency);
 * - backlog: the publisher fills the consumer's persistent session while it is offline, then the
 *   consumer starts and drains it: what the consumer can take when the publisher is not the limit.
 * The plain subscriber counts messages; the agent's count is the records durable in its log (read
 * read-only every 100 ms). Rate: first to last message (plain), first to last batch append (agent).
 * Latency: plain = receive time - sent; agent = its batch's append_ts - sent. CPU per record: the
 * consumer's user+system time from "subscribed" to "all records in" (backlog rows: from process start,
 * minus the start-up CPU measured when the session was set up), over the record count.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeBatch } from '../core/log/batch.js';
import { openReadOnlyLog, type ReadOnlyLog } from '../core/log/read-only.js';
import { startMosquitto, type Mosquitto } from '../test/helpers/broker.js';
import type { PublisherOptions, PublisherResult } from './mqtt-publisher-child.js';
import type { SubscriberOptions, SubscriberResult } from './mqtt-subscriber-child.js';
import { benchProcesses, waitForCount, type Child } from './child-process.js';
import { fmt, formatTable, machineLine, medianRun, percentiles, sampleProcess, tempDir, type ProcessSample } from './report.js';

// Numbers are parsed with Number(): a typo gives NaN and a loud failure rather than a silent default.
const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    window: { type: 'string', default: '1000' },
    'broker-inflight': { type: 'string', default: '1000' },
    'stall-timeout-s': { type: 'string', default: '30' },
    /** Each row is run this many times (rows interleaved, so load from other processes spreads over all) and the run with the median rate is shown. */
    runs: { type: 'string', default: '3' },
    /** Run one scenario only: live-qos1, live-qos0 or backlog-qos1. */
    only: { type: 'string' },
    /** For investigations, e.g. --agent-node-flags="--cpu-prof --cpu-prof-dir=/tmp/prof" (space-separated). */
    'agent-node-flags': { type: 'string', default: '' },
  },
});
const agentNodeFlags = values['agent-node-flags'].split(' ').filter((f) => f !== '');
const records = Number(values.records);
const window = Number(values.window);
const brokerInflight = Number(values['broker-inflight']);
const stallTimeoutMs = Number(values['stall-timeout-s']) * 1000;
const runs = Number(values.runs);
const payloadBytes = 100;
const devices = 16;

const here = fileURLToPath(new URL('.', import.meta.url));
// bin/tributary.js, as users run it: it sizes the agent's heap before the CLI's modules load.
const cli = join(here, '..', '..', 'bin', 'tributary.js');
const publisherScript = join(here, 'mqtt-publisher-child.js');
const subscriberScript = join(here, 'mqtt-subscriber-child.js');
for (const file of [join(here, '..', 'cli', 'tributary.js'), publisherScript, subscriberScript]) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run "npx tsc -p tsconfig.json" first`);
}

/** Affects every row alike: the broker never drops a queued QoS 1 message and lets this many go unacknowledged per subscriber. */
const brokerConfig = [`max_inflight_messages ${brokerInflight}`, 'max_queued_messages 0', 'set_tcp_nodelay true'];

type Consumer = 'plain' | 'agent';
type Scenario = 'live' | 'backlog';

interface RowResult {
  scenario: Scenario;
  qos: 0 | 1;
  consumer: Consumer;
  stored: number;
  distinct: number;
  rate: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number } | undefined;
  peakRssMiB: number;
  cpuMicrosPerRecord: number;
  brokerCpuMicrosPerRecord: number;
  publisherRate: number;
}

const { startChild, cleanups, runCleanups, killAll, progress } = benchProcesses({ tag: 'mqtt-source', stopGraceMs: 10_000 });

function startPublisher(url: string, qos: 0 | 1): Child {
  const options: PublisherOptions = { url, records, qos, window, devices, payloadBytes };
  return startChild('publisher', [publisherScript, JSON.stringify(options)]);
}

async function publisherResult(publisher: Child): Promise<PublisherResult> {
  const line = await publisher.waitFor('stdout', (l) => typeof l.published === 'number', 120_000, 'publishing every record');
  return line as unknown as PublisherResult;
}

function flowYaml(url: string, dataDir: string, qos: 0 | 1): string {
  return `agent:
  id: bench-agent
  data_dir: ${JSON.stringify(dataDir)}
sources:
  sensors:
    type: mqtt
    url: ${url}
    client_id: bench-agent
    topics: ["bench/+/data"]
    qos: ${qos}
    clean_session: false
    key_from_topic_level: 1
    parser: { format: json }
buffer:
  inputs: [sensors]
  partitions: 4
`;
}

/** A consumer process of either kind, with a way to count what it has taken in. */
interface RunningConsumer {
  child: Child;
  /** Records taken in so far: received (plain) or durable in the log (agent). */
  count(): number;
  /** Resolves once subscribed. */
  ready: Promise<unknown>;
}

function startPlain(url: string, qos: 0 | 1, subscribeOnly: boolean): RunningConsumer {
  const options: SubscriberOptions = { url, records, qos, clientId: 'bench-plain', subscribeOnly };
  const child = startChild('plain subscriber', [subscriberScript, JSON.stringify(options)]);
  const count = (): number => {
    let n = 0;
    for (const l of child.stdoutLines) {
      if (l.event === 'progress') n = Math.max(n, l.received as number);
      if (l.event === 'done') return l.distinct as number;
    }
    return n;
  };
  return { child, count, ready: child.waitFor('stdout', (l) => l.event === 'ready', 20_000, 'subscribing') };
}

function startAgent(flowPath: string, dataDir: string): RunningConsumer {
  const child = startChild('tributary agent', [...agentNodeFlags, cli, 'agent', '--flow', flowPath, '--log-level', 'info']);
  let log: ReadOnlyLog | undefined;
  let stored = 0;
  cleanups.push(() => log?.close());
  const count = (): number => {
    // The agent creates log.db at start; open it (read-only) once there, then sum the partitions' log end offsets.
    if (!log && existsSync(join(dataDir, 'log.db'))) log = openReadOnlyLog(join(dataDir, 'log.db'));
    if (log) stored = log.db.prepare('SELECT coalesce(sum(next_offset), 0) FROM partitions').pluck().get() as number;
    return stored;
  };
  return { child, count, ready: child.waitFor('stderr', (l) => l.msg === 'agent started', 20_000, 'starting (log line "agent started")') };
}

/** Reads every stored record back: latency (append_ts - sent), distinct sequence numbers, first/last append time. */
function analyseLog(dataDir: string): { stored: number; distinct: number; latencies: number[]; firstAppend: number; lastAppend: number; crcErrors: number } {
  const log = openReadOnlyLog(join(dataDir, 'log.db'));
  try {
    const seen = new Uint8Array(records);
    const latencies: number[] = [];
    let stored = 0;
    let distinct = 0;
    let crcErrors = 0;
    let firstAppend = Infinity;
    let lastAppend = -Infinity;
    for (const partition of log.partitions) {
      for (const { batch, crcOk } of log.batches(partition, 0, Number.MAX_SAFE_INTEGER)) {
        if (!crcOk) crcErrors++;
        firstAppend = Math.min(firstAppend, batch.appendTs);
        lastAppend = Math.max(lastAppend, batch.appendTs);
        for (const record of decodeBatch(batch.body, batch.codec)) {
          stored++;
          const value = record.value as { seq: number; sent: number };
          if (value.seq < records && seen[value.seq] === 0) {
            seen[value.seq] = 1;
            distinct++;
            latencies.push(batch.appendTs - value.sent);
          }
        }
      }
    }
    return { stored, distinct, latencies, firstAppend, lastAppend, crcErrors };
  } finally {
    log.close();
  }
}

const cpuDelta = (end: ProcessSample | undefined, start: ProcessSample | undefined): number => (end && start ? end.cpuMs - start.cpuMs : NaN);

/** One row: a fresh broker, a consumer, a publisher; figures of the consumer process. */
async function runRow(scenario: Scenario, qos: 0 | 1, consumer: Consumer): Promise<RowResult> {
  const label = `${scenario} qos${qos} ${consumer}`;
  progress(`${label}: starting mosquitto`);
  const broker: Mosquitto = await startMosquitto(brokerConfig);
  cleanups.push(() => broker.stop());
  const dir = tempDir('tributary-bench-mqtt-');
  cleanups.push(() => dir.remove());
  const dataDir = join(dir.path, 'agent-data');
  const flowPath = join(dir.path, 'flow.yaml');
  writeFileSync(flowPath, flowYaml(broker.url, dataDir, qos));
  const start = (): RunningConsumer => (consumer === 'plain' ? startPlain(broker.url, qos, false) : startAgent(flowPath, dataDir));
  const brokerPid = broker.process.pid!;

  let running: RunningConsumer;
  let publisher: Child;
  let consumerBaseline: ProcessSample | undefined;
  let brokerBaseline: ProcessSample | undefined;
  if (scenario === 'live') {
    running = start();
    await running.ready;
    consumerBaseline = sampleProcess(running.child.process.pid!);
    brokerBaseline = sampleProcess(brokerPid);
    progress(`${label}: consumer ready, publishing ${records} records`);
    publisher = startPublisher(broker.url, qos);
  } else {
    // Set up the persistent session and learn the consumer's start-up CPU, then go offline while the publisher fills the queue.
    const setup = consumer === 'plain' ? startPlain(broker.url, qos, true) : startAgent(flowPath, dataDir);
    await setup.ready;
    const startupCpu = sampleProcess(setup.child.process.pid!);
    await setup.child.stop();
    progress(`${label}: session set up, publishing ${records} records into the broker queue`);
    publisher = startPublisher(broker.url, qos);
    await publisherResult(publisher);
    progress(`${label}: queue filled, starting the consumer`);
    brokerBaseline = sampleProcess(brokerPid);
    running = start();
    // Not awaited: the queue drains from the first moment; an early exit is caught by waitForCount.
    running.ready.catch(() => undefined);
    // Start-up CPU of the set-up run stands in for this one's (it is measured from process start).
    consumerBaseline = startupCpu ? { ...startupCpu } : undefined;
  }
  const pid = running.child.process.pid!;
  let peak: ProcessSample | undefined;
  // VmHWM is kept by the kernel; poll too so a consumer that dies early still leaves a figure.
  const sampler = setInterval(() => (peak = sampleProcess(pid) ?? peak), 500);
  try {
    await waitForCount(label, running.count, records, [running.child], { stallTimeoutMs, pollMs: 100, progress });
  } finally {
    clearInterval(sampler);
  }
  const consumerEnd = sampleProcess(pid);
  const brokerEnd = sampleProcess(brokerPid);
  const published = await publisherResult(publisher);
  await publisher.exited;

  let result: Omit<RowResult, 'peakRssMiB' | 'cpuMicrosPerRecord' | 'brokerCpuMicrosPerRecord' | 'publisherRate'>;
  if (consumer === 'plain') {
    const done = (await running.child.waitFor('stdout', (l) => l.event === 'done', 10_000, 'reporting')) as unknown as SubscriberResult;
    await running.child.stop();
    result = { scenario, qos, consumer, stored: done.received, distinct: done.distinct, rate: done.distinct / ((done.lastMs - done.firstMs) / 1000), latencyMs: scenario === 'live' ? done.latencyMs : undefined };
  } else {
    await running.child.stop();
    const code = await running.child.exited;
    if (code !== 0) throw new Error(`${label}: the agent exited with code ${code} on SIGTERM; its stderr:\n${running.child.stderrTail()}`);
    const log = analyseLog(dataDir);
    if (log.crcErrors > 0) throw new Error(`${label}: ${log.crcErrors} batches failed their CRC check`);
    const seconds = (log.lastAppend - log.firstAppend) / 1000;
    result = { scenario, qos, consumer, stored: log.stored, distinct: log.distinct, rate: log.distinct / seconds, latencyMs: scenario === 'live' ? percentiles(log.latencies) : undefined };
  }
  const peakKiB = consumerEnd?.peakRssKiB ?? peak?.peakRssKiB ?? NaN;
  await runCleanups();
  const row: RowResult = {
    ...result,
    peakRssMiB: peakKiB / 1024,
    cpuMicrosPerRecord: (cpuDelta(consumerEnd, consumerBaseline) * 1000) / records,
    brokerCpuMicrosPerRecord: (cpuDelta(brokerEnd, brokerBaseline) * 1000) / records,
    publisherRate: published.published / ((published.lastMs - published.firstMs) / 1000),
  };
  progress(`${label}: ${Math.round(row.rate)} rec/s, ${row.distinct} distinct of ${records} (${row.stored} taken in)`);
  return row;
}

async function main(): Promise<void> {
  const plan: [Scenario, 0 | 1, Consumer][] = [
    ['live', 1, 'plain'],
    ['live', 1, 'agent'],
    ['live', 0, 'plain'],
    ['live', 0, 'agent'],
    ['backlog', 1, 'plain'],
    ['backlog', 1, 'agent'],
  ];
  const selected = values.only ? plan.filter(([s, q]) => `${s}-qos${q}` === values.only) : plan;
  if (selected.length === 0) throw new Error(`--only ${values.only}: expected live-qos1, live-qos0 or backlog-qos1`);
  console.log(`mqtt source: ${records} records of ${payloadBytes} bytes over ${devices} topics (bench/dev-NN/data) per run, ${runs} run(s) per row; publisher mqtt.js with ${window} publishes in flight`);
  console.log(`broker: mosquitto, fresh per row, config: listener <free port> 127.0.0.1; allow_anonymous true; persistence false; ${brokerConfig.join('; ')}`);
  console.log('agent flow: mqtt source (clean_session false, key = topic level 1, json parser) -> buffer (4 partitions, commit_interval_ms 0, batch_max_records 500, synchronous=FULL); PUBACK only once durable');
  if (agentNodeFlags.length > 0) console.log(`agent node flags: ${agentNodeFlags.join(' ')}`);
  console.log(machineLine());
  const results: RowResult[][] = selected.map(() => []);
  try {
    for (let run = 1; run <= runs; run++) {
      if (runs > 1) progress(`run ${run} of ${runs}`);
      for (const [i, [scenario, qos, consumer]] of selected.entries()) results[i]!.push(await runRow(scenario, qos, consumer));
    }
  } finally {
    killAll();
    await runCleanups();
  }
  const rows = results.map(medianRun);
  if (runs > 1) {
    console.log(`each row: the median of ${runs} runs by rate (all rates: ${results.map((r) => `${r[0]!.scenario} QoS ${r[0]!.qos} ${r[0]!.consumer} ${r.map((x) => Math.round(x.rate / 1000)).join('/')}k`).join('; ')})`);
  }
  const plainRate = (scenario: Scenario, qos: number): number | undefined => rows.find((r) => r.scenario === scenario && r.qos === qos && r.consumer === 'plain')?.rate;
  console.log(formatTable(
    ['scenario', 'consumer', 'rec/s', 'x plain', 'e2e p50 ms', 'p95 ms', 'p99 ms', 'peak RSS MiB', 'CPU us/rec', 'broker CPU us/rec', 'publisher rec/s'],
    rows.map((r) => {
      const base = plainRate(r.scenario, r.qos);
      return [
        `${r.scenario} QoS ${r.qos}`,
        r.consumer === 'plain' ? 'plain mqtt.js subscriber' : 'tributary agent (ack when durable)',
        fmt(r.rate),
        base ? (r.rate / base).toFixed(2) : '-',
        fmt(r.latencyMs?.p50),
        fmt(r.latencyMs?.p95),
        fmt(r.latencyMs?.p99),
        fmt(r.peakRssMiB),
        fmt(r.cpuMicrosPerRecord, 1),
        fmt(r.brokerCpuMicrosPerRecord, 1),
        fmt(r.publisherRate),
      ];
    }),
  ));
  for (const r of rows) {
    if (r.distinct !== records) console.log(`WARNING: ${r.scenario} QoS ${r.qos} ${r.consumer}: ${records - r.distinct} records missing`);
    if (r.stored !== r.distinct) console.log(`note: ${r.scenario} QoS ${r.qos} ${r.consumer}: ${r.stored - r.distinct} duplicates (redeliveries)`);
  }
  const agent = (scenario: Scenario, qos: number) => rows.find((r) => r.scenario === scenario && r.qos === qos && r.consumer === 'agent');
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
  for (const scenario of ['live', 'backlog'] as const) {
    const a = agent(scenario, 1);
    const base = plainRate(scenario, 1);
    if (a && base) console.log(`goal (issue): agent >= 70% of the plain QoS 1 subscriber, ${scenario}: ${(a.rate / base * 100).toFixed(0)}% -> ${verdict(a.rate >= 0.7 * base)}`);
  }
  const live1 = agent('live', 1);
  const live0 = agent('live', 0);
  console.log(`goal (PEERS.md): QoS 1 end to end >= Fluent Bit's 46.5k rec/s: ${fmt(live1?.rate)} -> ${verdict(live1 && live1.rate >= 46_500)}`);
  console.log(`goal (PEERS.md): QoS 0 end to end >= 0.8 x Fluent Bit's 107k = 85.6k rec/s: ${fmt(live0?.rate)} -> ${verdict(live0 && live0.rate >= 85_600)}`);
  console.log(`goal (PEERS.md): CPU per record within 2x of Fluent Bit, QoS 1 (<= 22.2 us): ${fmt(live1?.cpuMicrosPerRecord, 1)} us -> ${verdict(live1 && live1.cpuMicrosPerRecord <= 22.2)}`);
  console.log(`goal (PEERS.md): CPU per record within 2x of Fluent Bit, QoS 0 (<= 10.0 us): ${fmt(live0?.cpuMicrosPerRecord, 1)} us -> ${verdict(live0 && live0.cpuMicrosPerRecord <= 10)}`);
  console.log(`goal (PEERS.md): peak RSS within 3x of Fluent Bit, QoS 1 (<= 72 MiB): ${fmt(live1?.peakRssMiB)} MiB -> ${verdict(live1 && live1.peakRssMiB <= 72)}`);
  console.log(`goal (PEERS.md): peak RSS within 3x of Fluent Bit, QoS 0 (<= 60 MiB): ${fmt(live0?.peakRssMiB)} MiB -> ${verdict(live0 && live0.peakRssMiB <= 60)}`);
  console.log('note: Fluent Bit\'s publisher connected to Fluent Bit itself (its mqtt input is a listener); here every record also crosses a mosquitto hop, which both consumers share.');
  console.log('note: in the live rows a consumer cannot go faster than the publisher (last column); the backlog row shows what each consumer takes when the publisher is not the limit.');
}

main().catch(async (error: unknown) => {
  console.error(`mqtt-source benchmark failed: ${(error as Error).message}`);
  killAll();
  await runCleanups();
  process.exit(1);
});
