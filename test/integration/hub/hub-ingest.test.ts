import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchCrc, encodeBatch, type StoredBatch } from '../../../core/log/batch.js';
import { encodeBatchFrame, headerOf, topics } from '../../../core/protocol.js';
import { loadHubConfigText } from '../../../hub/config/load.js';
import { startHub, type RunningHub } from '../../../hub/hub.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { connectClient } from '../../unit/hub/broker-harness.js';
import type { MqttClient } from 'mqtt';

function frame(logId: string, baseOffset: number, n: number): Buffer {
  const unsigned = { ...encodeBatch(Array.from({ length: n }, (_, i) => ({ key: 'dev', ts: baseOffset + i, value: baseOffset + i, attrs: {} }))), partition: 0, baseOffset };
  const stored: StoredBatch = { ...unsigned, appendTs: 0, crc: batchCrc(unsigned) };
  return encodeBatchFrame(headerOf(logId, stored), stored.body);
}

describe('the hub with its real ingest', () => {
  const dir = tempDir();
  const logs: Record<string, unknown>[] = [];
  let hub: RunningHub;
  let mallory: MqttClient;
  let good: MqttClient;
  const records = () => Array.from({ length: hub.store.partitions }, (_, p) => hub.store.state(p).nextOffset).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    const config = loadHubConfigText(`hub: { data_dir: ${dir.path} }\nlisteners:\n  mqtt: { port: 0 }\n  http: { port: 0 }\n`, 'hub.yaml');
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    hub = await startHub(config, { logger: pino({ level: 'debug' }, sink) });
    const url = `mqtt://127.0.0.1:${hub.broker.addresses.mqtt!.port}`;
    const malloryPassword = await hub.credentials.add('mallory');
    const goodPassword = await hub.credentials.add('good');
    mallory = await connectClient(url, { clientId: 'mallory', username: 'mallory', password: malloryPassword });
    good = await connectClient(url, { clientId: 'good', username: 'good', password: goodPassword });
  });
  afterAll(async () => {
    await mallory?.endAsync(true);
    await good?.endAsync(true);
    await hub?.stop();
    dir.remove();
  });

  it('a garbage batch is acknowledged, logged with its reason, counted, and never appended; others keep being served', async () => {
    await mallory.publishAsync(topics.batches('mallory', 0), Buffer.from('\u0000garbage, not a batch frame'), { qos: 1 });
    expect(records()).toBe(0);
    expect(hub.metrics.get('tributary_hub_rejected_total', { agent: 'mallory', reason: 'invalid' })).toBe(1);
    expect(logs.some((l) => l.agent === 'mallory' && typeof l.msg === 'string' && l.msg.includes('bad magic'))).toBe(true);
    await good.publishAsync(topics.batches('good', 0), frame('log-good', 0, 5), { qos: 1 });
    expect(records()).toBe(5);
  });

  it('a resent batch is acknowledged as a duplicate and stored once', async () => {
    await good.publishAsync(topics.batches('good', 0), frame('log-good', 0, 5), { qos: 1 });
    await good.publishAsync(topics.batches('good', 0), frame('log-good', 5, 3), { qos: 1 });
    expect(records()).toBe(8);
    expect(hub.metrics.get('tributary_hub_batches_total', { result: 'duplicate' })).toBe(1);
  });

  it('/metrics shows what the ingest did: records appended (the ingest rate), batches by result, de-dup, rejects by reason, commit latency', async () => {
    const text = await (await fetch(`${hub.api.url}/metrics`)).text();
    expect(text).toMatch(/^tributary_hub_records_appended_total 8$/m);
    expect(text).toMatch(/^tributary_hub_batches_total\{result="appended"\} 2$/m);
    expect(text).toMatch(/^tributary_hub_batches_total\{result="duplicate"\} 1$/m);
    expect(text).toMatch(/^tributary_hub_duplicate_records_total 5$/m);
    expect(text).toMatch(/^tributary_hub_rejected_total\{agent="mallory",reason="invalid"\} 1$/m);
    expect(text).toMatch(/^tributary_hub_commit_seconds_count [1-9]\d*$/m);
    // the refused batch was logged as a structured line at warn level or above
    const refused = logs.find((l) => l.agent === 'mallory' && typeof l.msg === 'string' && l.msg.includes('bad magic'));
    expect(refused?.level).toBeGreaterThanOrEqual(40);
  });
});
