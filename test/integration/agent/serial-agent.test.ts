import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBatch } from '../../../core/log/batch.js';
import { openReadOnlyLog } from '../../../core/log/read-only.js';
import type { DataRecord } from '../../../core/record.js';
import { createParser } from '../../../agent/parsers/index.js';
import { readCaptureLines } from '../../../sim-devices/serial/replay.js';
import { SerialDevice } from '../../../sim-devices/serial/device.js';
import { startCli, type CliProcess } from '../../helpers/agent-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

const capture = fileURLToPath(new URL('../../fixtures/nmea/bu353s4.log', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function storedRecords(dataDir: string): DataRecord[] {
  const log = openReadOnlyLog(join(dataDir, 'log.db'));
  try {
    const out: DataRecord[] = [];
    for (const p of log.partitions) for (const { batch } of log.batches(p, 0, Number.MAX_SAFE_INTEGER)) out.push(...decodeBatch(batch.body, batch.codec));
    return out;
  } finally {
    log.close();
  }
}

async function waitFor<T>(what: string, read: () => T, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
    value = read();
  }
  return value;
}

describe('agent reading a GPS receiver on a real pty (socat)', () => {
  let dir: ReturnType<typeof tempDir>;
  let device: SerialDevice | undefined;
  let agent: CliProcess | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    agent?.child.kill('SIGKILL');
    await device?.close();
    dir.remove();
  });

  function writeFlow(path: string): { flowFile: string; dataDir: string } {
    const dataDir = join(dir.path, 'data');
    const flowFile = join(dir.path, 'gps.yaml');
    writeFileSync(flowFile, `
agent:
  id: gps-test
  data_dir: ${dataDir}
sources:
  gps:
    type: serial
    path: ${path}
    baud_rate: 4800
    framing: { delimiter: "\\r\\n" }
    parser: { format: nmea }
    key: rover-1
    reopen_delay_ms: 100
    reopen_max_delay_ms: 500
processors:
  tag:
    type: enrich
    inputs: [gps]
    attrs: { site: test-track }
buffer:
  inputs: [tag]
  partitions: 2
`);
    return { flowFile, dataDir };
  }

  it('stores every sentence of a real receiver capture, parsed, in order, with bad frames kept as dead letters', async () => {
    const sentences = readCaptureLines(capture);
    device = await SerialDevice.create({ kind: 'nmea', ratePerSec: 400, replay: capture, lines: sentences.length, faults: { garbage: 0.1 }, seed: 7 });
    const { flowFile, dataDir } = writeFlow(device.path);
    agent = startCli(['agent', '--flow', flowFile]);
    await agent.waitForLog((l) => l.msg === 'agent started');
    await device.start();
    await device.done;
    const garbage = device.stats.garbage;
    const records = await waitFor('all sentences in the log', () => storedRecords(dataDir), (rs) => rs.length >= sentences.length + garbage);
    agent.child.kill('SIGTERM');
    expect((await agent.exited).code).toBe(0);

    const good = records.filter((r) => r.attrs.dead_letter === undefined);
    const dead = records.filter((r) => r.attrs.dead_letter !== undefined);
    const parser = createParser({ format: 'nmea' } as never);
    const expected = sentences.map((s) => {
      const parsed = parser.parse(s);
      if (!parsed.ok) throw new Error(`fixture sentence does not parse: ${s}`);
      return parsed.value;
    });
    expect(good.map((r) => r.value)).toEqual(expected);
    expect(good.every((r) => r.key === 'rover-1' && r.attrs.site === 'test-track' && r.attrs.source === 'gps')).toBe(true);
    expect(garbage).toBeGreaterThan(0);
    expect(dead).toHaveLength(garbage);
    expect(dead.every((r) => r.attrs.dead_letter_from === 'gps')).toBe(true);
  });

  it('recovers when the device is unplugged and plugged back in', async () => {
    device = await SerialDevice.create({ kind: 'nmea', ratePerSec: 50, seed: 3 });
    const { flowFile, dataDir } = writeFlow(device.path);
    agent = startCli(['agent', '--flow', flowFile]);
    await agent.waitForLog((l) => l.msg === 'agent started');
    await device.start();
    const before = (await waitFor('records before unplug', () => storedRecords(dataDir), (rs) => rs.length >= 20)).length;
    await device.unplug();
    await sleep(500);
    await device.replug();
    await agent.waitForLog((l) => l.msg === 'serial port reopened');
    const after = await waitFor('records after replug', () => storedRecords(dataDir), (rs) => rs.length >= before + 30);
    expect(after.length).toBeGreaterThanOrEqual(before + 30);
    expect(agent.logs.some((l) => typeof l.msg === 'string' && l.msg.includes('reopening'))).toBe(true);
    agent.child.kill('SIGTERM');
    expect((await agent.exited).code).toBe(0);
  });
});
