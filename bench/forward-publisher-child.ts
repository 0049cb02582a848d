/**
 * Baseline publisher of bench/forward.ts (run by it, not by hand): builds, from an agent log, the very
 * messages the agent's forwarder sends (per partition, consecutive stored batches merged up to
 * batch_max_records / batch_max_bytes, `buildWireBatch`), then publishes them QoS 1 from one mqtt.js
 * client to the forwarder's topics, partitions in turn, `window` unacknowledged per partition (the
 * forwarder's max_in_flight), and prints one JSON line with its figures. No hello, no positions, no log
 * reads while publishing: it moves the same bytes, nothing else.
 *
 *   node dist/bench/forward-publisher-child.js '{"url":"mqtt://127.0.0.1:1883","logPath":"/tmp/x/agent/log.db","agentId":"bench-agent","window":8,"batchMaxRecords":5000,"batchMaxBytes":1048576}'
 */
import mqtt from 'mqtt';
import { Codec, type StoredBatch } from '../core/log/batch.js';
import { openReadOnlyLog } from '../core/log/read-only.js';
import { topics } from '../core/protocol.js';
import { buildWireBatch, type WireBatch } from '../agent/forward/wire-batch.js';

export interface ForwardPublisherOptions {
  url: string;
  logPath: string;
  agentId: string;
  /** Messages published and not yet acknowledged, per partition. */
  window: number;
  batchMaxRecords: number;
  batchMaxBytes: number;
}

/** What the publisher prints when done. */
export interface ForwardPublisherResult {
  event: 'done';
  messages: number;
  records: number;
  /** Record bytes (batch bodies), as stored by a hub. */
  bodyBytes: number;
  /** MQTT payload bytes (frames: header + body). */
  frameBytes: number;
  /** Date.now() of the first publish, the first and the last PUBACK. */
  firstPublishMs: number;
  firstAckMs: number;
  lastAckMs: number;
  /** Records acknowledged by the first PUBACK (not counted in the rate, which runs from that PUBACK on). */
  recordsAtFirstAck: number;
  /** CPU of this process (user + system) from the first publish to the last PUBACK, ms. */
  cpuMs: number;
}

/**
 * The forwarder's messages for one partition: consecutive stored batches merged while the message stays
 * within the record and byte limits (as `Forwarder.takeConsecutive` does after `store.read`).
 */
export function wireBatchesOf(logId: string, batches: StoredBatch[], batchMaxRecords: number, batchMaxBytes: number): WireBatch[] {
  const out: WireBatch[] = [];
  let group: StoredBatch[] = [];
  let records = 0;
  let bytes = 0;
  const flush = (): void => {
    if (group.length > 0) out.push(buildWireBatch(logId, group, 'none'));
    group = [];
    records = 0;
    bytes = 0;
  };
  for (const b of batches) {
    const last = group[group.length - 1];
    if (last) {
      const fits = records + b.count <= batchMaxRecords && bytes + b.body.length <= batchMaxBytes;
      if (!fits || b.baseOffset !== last.baseOffset + last.count || b.codec !== Codec.json || last.codec !== Codec.json) flush();
    }
    group.push(b);
    records += b.count;
    bytes += b.body.length;
  }
  flush();
  return out;
}

interface Lane {
  topic: string;
  frames: WireBatch[];
  next: number;
  inFlight: number;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '') as ForwardPublisherOptions;
  const log = openReadOnlyLog(options.logPath);
  const lanes: Lane[] = [];
  let records = 0;
  let bodyBytes = 0;
  let frameBytes = 0;
  try {
    for (const partition of log.partitions) {
      const stored: StoredBatch[] = [];
      for (const { batch, crcOk } of log.batches(partition, 0, Number.MAX_SAFE_INTEGER)) {
        if (!crcOk) throw new Error(`batch at offset ${batch.baseOffset} of partition ${partition} fails its CRC check`);
        stored.push(batch);
        records += batch.count;
        bodyBytes += batch.body.length;
      }
      const frames = wireBatchesOf(log.logId, stored, options.batchMaxRecords, options.batchMaxBytes);
      for (const f of frames) frameBytes += f.frame.length;
      lanes.push({ topic: topics.batches(options.agentId, partition), frames, next: 0, inFlight: 0 });
    }
  } finally {
    log.close();
  }
  const messages = lanes.reduce((n, l) => n + l.frames.length, 0);
  process.stdout.write(`${JSON.stringify({ event: 'ready', messages, records })}\n`);

  const client = await mqtt.connectAsync(options.url, { clientId: `tributary-agent-${options.agentId}`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
  let acked = 0;
  let ackedRecords = 0;
  let firstAckMs = 0;
  let recordsAtFirstAck = 0;
  let lastAckMs = 0;
  let failed: Error | undefined;
  const cpuStart = process.cpuUsage();
  const firstPublishMs = Date.now();
  await new Promise<void>((resolve, reject) => {
    // Partitions in turn, each up to its window, refilled on every PUBACK: the forwarder's pump.
    const pump = (): void => {
      for (const lane of lanes) {
        while (lane.inFlight < options.window && lane.next < lane.frames.length) {
          const wire = lane.frames[lane.next++]!;
          lane.inFlight++;
          client.publish(lane.topic, wire.frame, { qos: 1 }, (error) => {
            if (error) {
              failed ??= error;
              reject(error);
              return;
            }
            lane.inFlight--;
            acked++;
            ackedRecords += wire.count;
            const now = Date.now();
            if (firstAckMs === 0) {
              firstAckMs = now;
              recordsAtFirstAck = wire.count;
            }
            lastAckMs = now;
            if (acked === messages) resolve();
            else pump();
          });
        }
      }
    };
    pump();
  });
  const cpu = process.cpuUsage(cpuStart);
  await client.endAsync();
  if (failed) throw failed;
  const result: ForwardPublisherResult = {
    event: 'done',
    messages,
    records: ackedRecords,
    bodyBytes,
    frameBytes,
    firstPublishMs,
    firstAckMs,
    lastAckMs,
    recordsAtFirstAck,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(`forward publisher failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
