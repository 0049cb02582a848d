import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch } from '../../../core/log/batch.js';
import { openReadOnlyLog } from '../../../core/log/read-only.js';
import { startBroker, type TestBroker } from '../../helpers/broker.js';
import { startCli, type CliProcess } from '../../helpers/agent-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every `seq` stored in the agent's log, in log order per partition. */
function storedSeqs(dataDir: string): number[] {
  const log = openReadOnlyLog(join(dataDir, 'log.db'));
  try {
    const seqs: number[] = [];
    for (const p of log.partitions) {
      for (const { batch } of log.batches(p, 0, Number.MAX_SAFE_INTEGER)) {
        for (const r of decodeBatch(batch.body, batch.codec)) seqs.push((r.value as { seq: number }).seq);
      }
    }
    return seqs;
  } finally {
    log.close();
  }
}

describe('agent killed while an MQTT sensor publishes QoS 1', () => {
  let broker: TestBroker;
  let dir: ReturnType<typeof tempDir>;
  let agent: CliProcess | undefined;

  beforeAll(async () => {
    broker = await startBroker();
    dir = tempDir();
  });
  afterAll(async () => {
    agent?.child.kill('SIGKILL');
    await broker.stop();
    dir.remove();
  });

  it('loses no message the broker acknowledged to the sensor (SIGKILL x3, then a clean stop)', async () => {
    const dataDir = join(dir.path, 'data');
    const flowFile = join(dir.path, 'flow.yaml');
    writeFileSync(flowFile, `
agent:
  id: crash-test
  data_dir: ${dataDir}
sources:
  climate:
    type: mqtt
    url: ${broker.url}
    client_id: crash-test-agent
    topics: ['sensors/+/climate']
    qos: 1
    key_from_topic_level: 1
buffer:
  inputs: [climate]
  partitions: 2
`);
    // The agent has subscribed once its persistent session exists on the broker.
    const subscribed = () => new Promise<void>((resolve) => broker.aedes.once('subscribe', () => resolve()));
    const start = async () => {
      const ready = subscribed();
      agent = startCli(['agent', '--flow', flowFile]);
      await ready;
    };
    await start();

    const sensor = await mqtt.connectAsync(broker.url, { clientId: 'sensor', clean: true });
    const acked = new Set<number>();
    let seq = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        const batch: Promise<unknown>[] = [];
        for (let i = 0; i < 20; i++) {
          const s = seq++;
          batch.push(sensor.publishAsync(`sensors/dev-${s % 3}/climate`, JSON.stringify({ seq: s, temp: 20 + (s % 10) }), { qos: 1 }).then(() => acked.add(s)));
        }
        await Promise.all(batch);
        await sleep(5);
      }
    })();

    let kills = 0;
    for (let round = 0; round < 3; round++) {
      await sleep(400);
      agent!.child.kill('SIGKILL');
      await agent!.exited;
      kills++;
      await sleep(200); // the sensor keeps publishing; the broker queues for the offline session
      await start();
    }
    await sleep(300);
    publishing = false;
    await publisher;
    await sensor.endAsync();

    // Wait until the agent has stored everything the broker took, then stop it cleanly. A message the broker
    // wrote to a connection that was already dying (killed agent, session taken over) is redelivered at the
    // session's next connection: MQTT redelivers on reconnect. So if something is missing after a while,
    // restart the agent cleanly (at most 3 times) and wait again.
    const missing = (stored: number[]) => {
      const have = new Set(stored);
      return [...acked].filter((s) => !have.has(s));
    };
    let seqs = storedSeqs(dataDir);
    let cleanRestarts = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && missing(seqs).length > 0) {
        await sleep(200);
        seqs = storedSeqs(dataDir);
      }
      if (missing(seqs).length === 0 || attempt === 3) break;
      agent!.child.kill('SIGTERM');
      expect((await agent!.exited).code).toBe(0);
      cleanRestarts++;
      await start();
    }
    agent!.child.kill('SIGTERM');
    expect((await agent!.exited).code).toBe(0);
    seqs = storedSeqs(dataDir);

    const stored = new Set(seqs);
    const lost = [...acked].filter((s) => !stored.has(s));
    const duplicates = seqs.length - stored.size;
    console.log(`mqtt crash test: published ${seq}, acknowledged by broker ${acked.size}, stored ${stored.size} distinct (${duplicates} redelivered duplicates), agent SIGKILLs ${kills}, clean restarts to flush redelivery ${cleanRestarts}, lost ${lost.length}`);
    expect(kills).toBe(3);
    expect(acked.size).toBeGreaterThan(200);
    expect(lost).toEqual([]);
    // Nothing was invented: every stored seq was published.
    expect([...stored].every((s) => s >= 0 && s < seq)).toBe(true);
  });
});
