/**
 * Publisher process of bench/mqtt-source.ts (run by it, not by hand): publishes `records` JSON
 * messages of exactly `payloadBytes` bytes to bench/dev-<n>/data with a window of publishes in flight,
 * then prints one JSON line with its own figures and exits.
 *
 *   node dist/bench/mqtt-publisher-child.js '{"url":"mqtt://127.0.0.1:1883","records":200000,"qos":1,"window":1000,"devices":16,"payloadBytes":100}'
 */
import mqtt from 'mqtt';

export interface PublisherOptions {
  url: string;
  records: number;
  qos: 0 | 1;
  /** Publishes handed to mqtt.js whose callback (PUBACK for QoS 1, socket write for QoS 0) has not fired. */
  window: number;
  devices: number;
  payloadBytes: number;
}

/** What the publisher prints when done. */
export interface PublisherResult {
  published: number;
  /** Date.now() of the first publish and of the last callback. */
  firstMs: number;
  lastMs: number;
  errors: number;
}

/**
 * A JSON payload of exactly `bytes` bytes carrying the sequence number and the send time (Date.now(),
 * the clock every process here shares), padded with a filler field.
 */
export function benchPayload(seq: number, sentMs: number, bytes: number): string {
  const head = `{"seq":${seq},"sent":${sentMs},"t":21.5,"h":40.25,"pad":"`;
  const padding = Math.max(0, bytes - head.length - 2);
  return `${head}${'x'.repeat(padding)}"}`;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '') as PublisherOptions;
  const client = await mqtt.connectAsync(options.url, { clientId: `bench-publisher-${process.pid}`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
  const topics = Array.from({ length: options.devices }, (_, i) => `bench/dev-${String(i).padStart(2, '0')}/data`);
  let next = 0;
  let inFlight = 0;
  let completed = 0;
  let errors = 0;
  let firstMs = 0;
  let lastMs = 0;
  await new Promise<void>((resolve) => {
    let refillScheduled = false;
    const pump = (): void => {
      refillScheduled = false;
      while (inFlight < options.window && next < options.records) {
        const seq = next++;
        const now = Date.now();
        if (seq === 0) firstMs = now;
        inFlight++;
        client.publish(topics[seq % topics.length]!, benchPayload(seq, now, options.payloadBytes), { qos: options.qos }, (error) => {
          if (error) errors++;
          inFlight--;
          completed++;
          if (completed === options.records) {
            lastMs = Date.now();
            resolve();
          } else if (inFlight < options.window / 2 && !refillScheduled) {
            // Refill in bulk, outside mqtt.js's callback (QoS 0 callbacks can come synchronously).
            refillScheduled = true;
            setImmediate(pump);
          }
        });
      }
    };
    pump();
  });
  await client.endAsync();
  const result: PublisherResult = { published: completed, firstMs, lastMs, errors };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(`publisher failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
