/**
 * The baseline consumer of bench/mqtt-source.ts (run by it, not by hand): a plain mqtt.js subscriber
 * (QoS as asked, persistent session, mqtt.js acknowledges each QoS 1 message on arrival) that parses
 * each JSON payload and takes its end-to-end latency. Prints JSON lines on stdout: `ready` once
 * subscribed, `progress` every 100 ms, `done` with its figures once `records` distinct messages arrived;
 * then stays alive (so the parent can read its /proc figures) until SIGTERM.
 *
 *   node dist/bench/mqtt-subscriber-child.js '{"url":"mqtt://127.0.0.1:1883","records":200000,"qos":1,"clientId":"plain"}'
 */
import mqtt from 'mqtt';
import { percentiles } from './report.js';

export interface SubscriberOptions {
  url: string;
  records: number;
  qos: 0 | 1;
  /** Fixed, so a second process finds the persistent session (and its queued messages) of the first. */
  clientId: string;
  /** Only set up the persistent session: subscribe, say `ready`, wait for SIGTERM. */
  subscribeOnly?: boolean;
}

/** The `done` line. */
export interface SubscriberResult {
  event: 'done';
  received: number;
  distinct: number;
  /** Date.now() of the first and the last message. */
  firstMs: number;
  lastMs: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '') as SubscriberOptions;
  const seen = new Uint8Array(options.records);
  const latencies = new Float64Array(options.records);
  let received = 0;
  let distinct = 0;
  let firstMs = 0;
  let lastMs = 0;
  let done = false;
  let progress: NodeJS.Timeout | undefined;
  const say = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

  // Listeners go on before connecting: a resumed session's queued messages follow the CONNACK at once.
  const client = mqtt.connect(options.url, { clientId: options.clientId, clean: false, reconnectPeriod: 0, protocolVersion: 4 });
  client.on('error', (error) => {
    console.error(`subscriber: mqtt error: ${error.message}`);
    process.exit(1);
  });
  client.on('message', (_topic, payload) => {
    const now = Date.now();
    if (received === 0) firstMs = now;
    received++;
    const message = JSON.parse(payload.toString('utf8')) as { seq: number; sent: number };
    if (message.seq < options.records && seen[message.seq] === 0) {
      seen[message.seq] = 1;
      latencies[distinct++] = now - message.sent;
    }
    if (distinct === options.records && !done) {
      done = true;
      lastMs = now;
      clearInterval(progress);
      const result: SubscriberResult = { event: 'done', received, distinct, firstMs, lastMs, latencyMs: percentiles(Array.from(latencies)) };
      say(result);
    }
  });
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  await client.subscribeAsync('bench/+/data', { qos: options.qos });
  if (!options.subscribeOnly) progress = setInterval(() => say({ event: 'progress', received: distinct }), 100);
  say({ event: 'ready' });
  process.once('SIGTERM', () => {
    clearInterval(progress);
    client.end(true, () => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(`subscriber failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
