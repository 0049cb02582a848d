import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBatch } from '../../../core/log/batch.js';
import type { SqliteLogStore } from '../../../core/log/sqlite-store.js';
import { silentLogger } from '../../../core/logger.js';
import type { DataRecord } from '../../../core/record.js';
import { Agent } from '../../../agent/agent.js';
import { loadFlowText } from '../../../agent/flow/load.js';
import { startIngestBroker, type IngestBroker } from '../../helpers/ingest-broker.js';
import { tempDir } from '../../helpers/temp-dir.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hubRecords(store: SqliteLogStore): DataRecord[] {
  const out: DataRecord[] = [];
  for (let p = 0; p < store.partitions; p++) for (const b of store.read(p, 0, 1 << 30).batches) out.push(...decodeBatch(b.body, b.codec));
  return out;
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(50);
  }
}

function flow(dir: string, url: string, extra = ''): string {
  return `
agent: { id: fwd-test, data_dir: ${join(dir, 'agent')} }
sources:
  gen: { type: generate, rate_per_sec: 20000, count: 20000, key_count: 5, seed: 1 }
buffer: { inputs: [gen], partitions: 3 }
forward:
  url: ${url}
  reconnect_min_ms: 50
  reconnect_max_ms: 200
${extra}`;
}

describe('agent -> hub forwarding (in-process aedes + real hub ingest and log)', () => {
  let dir: ReturnType<typeof tempDir>;
  let hub: IngestBroker;
  let agent: Agent | undefined;
  beforeEach(async () => {
    dir = tempDir();
    hub = await startIngestBroker(dir.path);
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await hub.close();
    dir.remove();
  });

  it('delivers every record exactly once, in order per key, and moves the agent cursor to the end', async () => {
    agent = await Agent.start(loadFlowText(flow(dir.path, hub.url), 'fwd.yaml'), { logger: silentLogger() });
    await until('20000 records at the hub', () => hubRecords(hub.store).length >= 20_000);
    await until('forward lag 0', () => agent!.status().forward!.lag.every((l) => l.records === 0));
    const records = hubRecords(hub.store);
    expect(records).toHaveLength(20_000);
    const byKey = new Map<string, number[]>();
    for (const r of records) {
      const list = byKey.get(r.key) ?? [];
      list.push(r.ts);
      byKey.set(r.key, list);
    }
    expect(byKey.size).toBe(5);
    for (const ts of byKey.values()) expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(hub.metrics.get('tributary_hub_batches_total', { result: 'duplicate' })).toBe(0);
  });

  it('survives dropped connections: resends from the hub position, the hub drops the duplicates', async () => {
    agent = await Agent.start(loadFlowText(flow(dir.path, hub.url, '  max_in_flight: 16\n  batch_max_records: 200'), 'fwd.yaml'), { logger: silentLogger() });
    for (let i = 0; i < 5; i++) {
      await sleep(150);
      hub.dropClients();
    }
    await until('20000 records at the hub', () => hubRecords(hub.store).length >= 20_000);
    await sleep(300);
    const records = hubRecords(hub.store);
    const distinct = new Set(records.map((r) => `${r.key}/${r.ts}/${JSON.stringify(r.value)}`));
    expect(records).toHaveLength(20_000);
    expect(distinct.size).toBe(20_000);
    expect(agent.metrics.total('tributary_forward_disconnects_total')).toBeGreaterThanOrEqual(1);
  });

  it('keeps buffering while the hub is down and delivers everything once it is back', async () => {
    const port = hub.port;
    await hub.close();
    agent = await Agent.start(loadFlowText(flow(dir.path, `mqtt://127.0.0.1:${port}`), 'fwd.yaml'), { logger: silentLogger() });
    await until('all 20000 records in the agent log', () => agent!.status().partitions.reduce((n, p) => n + p.nextOffset, 0) >= 20_000);
    expect(agent.status().forward!.state).not.toBe('connected');
    hub = await startIngestBroker(join(dir.path, 'hub-back'), 4, port);
    await until('20000 records at the hub', () => hubRecords(hub.store).length >= 20_000);
    await until('forward lag 0', () => agent!.status().forward!.lag.every((l) => l.records === 0));
    expect(hubRecords(hub.store)).toHaveLength(20_000);
  });
});
