import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBatch } from '../../core/log/batch.js';
import { openReadOnlyLog } from '../../core/log/read-only.js';
import { freePort, startTcpProxy, type TcpProxy } from '../helpers/broker.js';
import { startCli, type CliProcess } from '../helpers/agent-process.js';
import { tempDir } from '../helpers/temp-dir.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every record of a log, as JSON strings grouped by key, in log order. */
function recordsByKey(path: string): Map<string, string[]> {
  const log = openReadOnlyLog(path);
  try {
    const byKey = new Map<string, string[]>();
    for (const p of log.partitions) {
      for (const { batch, crcOk } of log.batches(p, 0, Number.MAX_SAFE_INTEGER)) {
        if (!crcOk) throw new Error(`corrupt batch in ${path}`);
        for (const r of decodeBatch(batch.body, batch.codec)) {
          const list = byKey.get(r.key) ?? [];
          list.push(JSON.stringify([r.ts, r.value]));
          byKey.set(r.key, list);
        }
      }
    }
    return byKey;
  } finally {
    log.close();
  }
}

const total = (m: Map<string, string[]>) => [...m.values()].reduce((n, l) => n + l.length, 0);

describe('chaos: agent and hub killed, link cut, in one run', () => {
  const dir = tempDir('tributary-chaos-');
  const processes: CliProcess[] = [];
  let proxy: TcpProxy | undefined;
  afterAll(async () => {
    for (const p of processes) p.child.kill('SIGKILL');
    await proxy?.close();
    dir.remove();
  });

  it('every record the agent made durable is in the hub log exactly once, in per-device order', async () => {
    const hubPort = await freePort();
    const httpPort = await freePort();
    const hubConfig = join(dir.path, 'hub.yaml');
    writeFileSync(hubConfig, `hub: { id: chaos-hub, data_dir: ${join(dir.path, 'hub')} }
listeners:
  mqtt: { host: 127.0.0.1, port: ${hubPort} }
  http: { host: 127.0.0.1, port: ${httpPort} }
log: { partitions: 4 }
`);
    const add = startCli(['hub', 'agent', 'add', 'chaos-agent', '--config', hubConfig]);
    expect((await add.exited).code).toBe(0);
    writeFileSync(join(dir.path, 'password'), add.stdout.join('').trim());

    proxy = await startTcpProxy(hubPort);
    const flow = (generate: string) => `
agent: { id: chaos-agent, data_dir: ${join(dir.path, 'agent')} }
sources:
  gen: { type: generate, ${generate}, key_count: 8 }
buffer: { inputs: [gen], partitions: 4 }
forward:
  url: mqtt://127.0.0.1:${proxy!.port}
  password: { file: ${join(dir.path, 'password')} }
  reconnect_min_ms: 50
  reconnect_max_ms: 400
  hello_timeout_ms: 2000
`;
    writeFileSync(join(dir.path, 'live.yaml'), flow('rate_per_sec: 4000'));
    writeFileSync(join(dir.path, 'drain.yaml'), flow('rate_per_sec: 1, count: 1'));

    let hub = startCli(['hub', '--config', hubConfig]);
    processes.push(hub);
    await hub.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('started'));
    let agent = startCli(['agent', '--flow', join(dir.path, 'live.yaml')]);
    processes.push(agent);
    await agent.waitForLog((l) => l.msg === 'connected to the hub; forwarding');

    const figures = { agentKills: 0, hubKills: 0, linkCuts: 0 };
    const actions = ['agent', 'link', 'hub', 'agent', 'link', 'hub', 'agent', 'link', 'hub'] as const;
    for (const action of actions) {
      await sleep(700);
      if (action === 'agent') {
        agent.child.kill('SIGKILL');
        await agent.exited;
        figures.agentKills++;
        agent = startCli(['agent', '--flow', join(dir.path, 'live.yaml')]);
        processes.push(agent);
      } else if (action === 'hub') {
        hub.child.kill('SIGKILL');
        await hub.exited;
        figures.hubKills++;
        await sleep(200);
        hub = startCli(['hub', '--config', hubConfig]);
        processes.push(hub);
        await hub.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('started'));
      } else {
        proxy.cut();
        figures.linkCuts++;
        await sleep(300);
        proxy.resume();
      }
    }
    // Stop producing, then let a short run drain everything to the hub.
    agent.child.kill('SIGTERM');
    expect((await agent.exited).code).toBe(0);
    agent = startCli(['agent', '--flow', join(dir.path, 'drain.yaml')]);
    processes.push(agent);
    const agentLog = join(dir.path, 'agent', 'log.db');
    const hubLog = join(dir.path, 'hub', 'log.db');
    const deadline = Date.now() + 30_000;
    await sleep(500);
    while (total(recordsByKey(hubLog)) < total(recordsByKey(agentLog)) && Date.now() < deadline) await sleep(250);
    agent.child.kill('SIGTERM');
    hub.child.kill('SIGTERM');
    expect((await agent.exited).code).toBe(0);
    expect((await hub.exited).code).toBe(0);

    const atAgent = recordsByKey(agentLog);
    const atHub = recordsByKey(hubLog);
    let lost = 0;
    let duplicates = 0;
    for (const [key, records] of atAgent) {
      const hubRecords = atHub.get(key) ?? [];
      const counts = new Map<string, number>();
      for (const r of hubRecords) counts.set(r, (counts.get(r) ?? 0) + 1);
      for (const r of records) {
        const c = counts.get(r) ?? 0;
        if (c === 0) lost++;
        else counts.set(r, c - 1);
      }
      for (const c of counts.values()) duplicates += c;
      expect(hubRecords, `order of key ${key}`).toEqual(records);
    }
    console.log(`chaos: records ${total(atAgent)} durable at the agent, ${total(atHub)} at the hub; agent SIGKILLs ${figures.agentKills}, hub SIGKILLs ${figures.hubKills}, link cuts ${figures.linkCuts}; lost=${lost} duplicates=${duplicates}`);
    expect(total(atAgent)).toBeGreaterThan(5000);
    expect(figures).toEqual({ agentKills: 3, hubKills: 3, linkCuts: 3 });
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
    expect(new Set(atHub.keys())).toEqual(new Set(atAgent.keys()));
  }, 120_000);
});
