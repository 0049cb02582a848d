import { expect } from 'vitest';
import { batchCrc, encodeBatch, type StoredBatch } from '../../../core/log/batch.js';
import { silentLogger } from '../../../core/logger.js';
import { encodeBatchFrame, headerOf, topics } from '../../../core/protocol.js';
import type { DataRecord } from '../../../core/record.js';
import { AGGREGATOR_GROUP } from '../../../hub/aggregate/aggregator-service.js';
import type { WindowResult } from '../../../hub/aggregate/results.js';
import { loadHubConfigText } from '../../../hub/config/load.js';
import { startHub, type RunningHub } from '../../../hub/hub.js';
import { call } from './groups-harness.js';

export const WINDOWS_MS = [10_000, 60_000];
// Recent event times: the aggregator deletes windows past their retention (7 days) when it starts.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;

/** A real hub with 4 partitions and the aggregator on windows 10s and 1m (nothing is late: lateness 1 day). */
export async function startAggregatorHub(dataDir: string, members = 1, enabled = true): Promise<{ hub: RunningHub; url: string }> {
  const hub = await startHub(loadHubConfigText(aggregatorHubYaml(dataDir, members, enabled), 'hub.yaml'), { logger: silentLogger() });
  return { hub, url: hub.api.url };
}

/** The hub config of `startAggregatorHub` (also for a `tributary hub` child process). */
export function aggregatorHubYaml(dataDir: string, members = 1, enabled = true): string {
  return `hub: { data_dir: ${dataDir} }\nlisteners:\n  mqtt: { port: 0 }\n  http: { port: 0 }\nlog: { partitions: 4 }\naggregate: { enabled: ${enabled}, windows: [10s, 1m], allowed_lateness_ms: 86400000, members: ${members} }\n`;
}

/** One agent partition's records: key `<agent>-<partition>`, integer values (sums are exact in any order), ts `spacingMs` apart. */
export interface Stream {
  agent: string;
  partition: number;
  records: DataRecord[];
}

/** The known record set: 3 agents × 2 partitions × `perStream` records `spacingMs` apart, with metrics temp and hum. */
export function recordSet(perStream: number, spacingMs = 700): Stream[] {
  const streams: Stream[] = [];
  for (const agent of ['a', 'b', 'c']) {
    for (let partition = 0; partition < 2; partition++) {
      const records = Array.from({ length: perStream }, (_, i) => ({ key: `${agent}-${partition}`, ts: T0 + i * spacingMs + partition * 13, value: { temp: ((i * 7 + partition) % 50) - 10, hum: (i * 3) % 13, label: 'x' }, attrs: {} }));
      streams.push({ agent, partition, records });
    }
  }
  return streams;
}

/** Publishes records [from, to) of every stream through the hub's real ingest, in frames of `frameRecords` records. */
export async function feed(hub: RunningHub, streams: Stream[], from: number, to: number, frameRecords = 40): Promise<void> {
  for (const stream of streams) {
    for (let base = from; base < to; base += frameRecords) {
      const records = stream.records.slice(base, Math.min(base + frameRecords, to));
      const unsigned = { ...encodeBatch(records), partition: stream.partition, baseOffset: base };
      const stored: StoredBatch = { ...unsigned, appendTs: 0, crc: batchCrc(unsigned) };
      const payload = encodeBatchFrame(headerOf(`log-${stream.agent}`, stored), stored.body);
      await hub.ingest.onPublish(stream.agent, { topic: topics.batches(stream.agent, stream.partition), payload });
      hub.appended.notify();
    }
  }
}

type Stats = Pick<WindowResult, 'key' | 'metric' | 'window_ms' | 'window_start' | 'count' | 'sum' | 'min' | 'max' | 'mean' | 'last'>;

const order = (a: Stats, b: Stats) => a.window_ms - b.window_ms || a.window_start - b.window_start || a.key.localeCompare(b.key) || a.metric.localeCompare(b.metric);

/** The exact statistics of every (key, metric, window size, window start) of the record set. */
export function expectedStats(streams: Stream[]): Stats[] {
  const windows = new Map<string, Stats>();
  for (const stream of streams) {
    for (const record of stream.records) {
      const value = record.value as Record<string, number | string>;
      for (const metric of ['temp', 'hum']) {
        const v = value[metric] as number;
        for (const size of WINDOWS_MS) {
          const start = Math.floor(record.ts / size) * size;
          const id = `${record.key}/${metric}/${size}/${start}`;
          const w = windows.get(id);
          if (w === undefined) windows.set(id, { key: record.key, metric, window_ms: size, window_start: start, count: 1, sum: v, min: v, max: v, mean: v, last: v });
          else Object.assign(w, { count: w.count + 1, sum: w.sum + v, min: Math.min(w.min, v), max: Math.max(w.max, v), last: v, mean: (w.sum + v) / (w.count + 1) });
        }
      }
    }
  }
  return [...windows.values()].sort(order);
}

/** Every window of both sizes as the HTTP API answers it, in the same shape and order as `expectedStats`. */
export async function actualStats(url: string): Promise<Stats[]> {
  const rows: Stats[] = [];
  for (const size of ['10s', '60000']) {
    const answer = await call(url, 'GET', `/v1/aggregates?window=${size}&limit=10000`);
    expect(answer.status).toBe(200);
    for (const w of answer.body.windows as Stats[]) rows.push({ key: w.key, metric: w.metric, window_ms: w.window_ms, window_start: w.window_start, count: w.count, sum: w.sum, min: w.min, max: w.max, mean: w.mean, last: w.last });
  }
  return rows.sort(order);
}

/** Waits until the aggregator group committed the end of every partition (lag 0); returns the description. */
export async function waitForNoLag(hub: RunningHub, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = hub.groups.describe(AGGREGATOR_GROUP);
    if (d.partitions.every((p) => p.lagRecords === 0 && (p.committedOffset ?? 0) === p.logEnd)) return d;
    if (Date.now() > deadline) throw new Error(`aggregator lag did not reach 0: ${JSON.stringify(d.partitions)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
