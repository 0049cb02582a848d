import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import { topics, type Hello, type Positions } from '../../../core/protocol.js';
import { parseStatusMessage, type AgentStatusReport, type OfflineNotice, type StatusMessage } from '../../../core/status.js';
import { Agent } from '../../../agent/agent.js';
import { loadFlowText } from '../../../agent/flow/load.js';
import { startCli, type CliProcess } from '../../helpers/agent-process.js';
import { startBroker, type TestBroker } from '../../helpers/broker.js';
import { tempDir } from '../../helpers/temp-dir.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SECRET = 'hunter2-do-not-leak';

async function until<T>(what: string, check: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * A stand-in for the hub on a plain aedes broker: answers every hello with "start from 0" (aedes
 * acknowledges the batches itself) and collects every status message, parsed, per agent.
 */
async function startHubStandIn(url: string): Promise<{ client: MqttClient; statuses: Map<string, StatusMessage[]> }> {
  const client = await mqtt.connectAsync(url, { clientId: 'hub-stand-in', clean: true });
  const statuses = new Map<string, StatusMessage[]>();
  client.on('message', (topic, payload) => {
    const [, , , agentId, kind] = topic.split('/');
    if (agentId === undefined) return;
    if (kind === 'hello') {
      const hello = JSON.parse(payload.toString()) as Hello;
      const positions: Positions = { logId: hello.logId, next: {} };
      client.publish(topics.positions(agentId), JSON.stringify(positions), { qos: 1 });
    } else if (kind === 'status') {
      const list = statuses.get(agentId) ?? [];
      list.push(parseStatusMessage(payload));
      statuses.set(agentId, list);
    }
  });
  await client.subscribeAsync([topics.hello('+'), topics.status('+')], { qos: 1 });
  return { client, statuses };
}

function flowYaml(id: string, dataDir: string, url: string, extra = ''): string {
  return `# status test flow
agent:
  id: ${id}
  data_dir: ${dataDir}
  flow_name: status-test
  flow_version: "7"
  status_interval_ms: 500
${extra}
sources:
  gen: { type: generate, rate_per_sec: 2000, count: 300, key_count: 4, seed: 3 }
buffer: { inputs: [gen], partitions: 3 }
forward:
  url: ${url}
  password: ${SECRET}
  reconnect_min_ms: 50
  reconnect_max_ms: 200
`;
}

describe('agent status heartbeat and HTTP endpoint (plain aedes broker)', () => {
  let broker: TestBroker;
  let hub: Awaited<ReturnType<typeof startHubStandIn>>;
  let dir: ReturnType<typeof tempDir>;
  let agent: Agent | undefined;
  let cli: CliProcess | undefined;

  beforeAll(async () => {
    broker = await startBroker();
    hub = await startHubStandIn(broker.url);
  });
  afterAll(async () => {
    await hub?.client.endAsync(true);
    await broker?.stop();
  });
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    if (cli && cli.child.exitCode === null && cli.child.signalCode === null) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
    cli = undefined;
    dir.remove();
  });

  const reports = (id: string) => (hub.statuses.get(id) ?? []).filter((m): m is AgentStatusReport => m.online);
  const notices = (id: string) => (hub.statuses.get(id) ?? []).filter((m): m is OfflineNotice => !m.online);

  it('reports on connect (with the redacted flow) and periodically with totals matching the log; HTTP answers; a clean stop says shutdown', async () => {
    const text = flowYaml('status-a', join(dir.path, 'data'), broker.url, '  http: { host: 127.0.0.1, port: 0 }');
    agent = await Agent.start(loadFlowText(text, join(dir.path, 'flow.yaml')), { logger: silentLogger(), flowText: text });

    const first = await until('the first report', () => reports('status-a')[0]);
    expect(first.flow).toMatchObject({ name: 'status-test', version: '7' });
    expect(first.flowYaml).toContain('# status test flow');
    expect(first.flowYaml).toContain('password: "***"');
    expect(first.flowYaml).not.toContain(SECRET);
    expect(first.intervalMs).toBe(500);
    expect(first.sources.map((s) => [s.id, s.type])).toEqual([['gen', 'generate']]);

    // Everything generated, stored and acknowledged: a report says so, and later ones carry no flow text.
    const done = await until('a report with all 300 records forwarded', () => reports('status-a').find((r) => r.totals.forwarded === 300 && r.forward.lagRecords === 0));
    expect(done.totals).toMatchObject({ in: 300, buffered: 300, forwarded: 300, deadLetters: 0 });
    expect(done.forward).toMatchObject({ state: 'connected', lagRecords: 0, lagSeconds: 0 });
    expect(done.buffer.partitions).toHaveLength(3);
    expect(done.buffer.partitions.reduce((n, p) => n + p.nextOffset, 0)).toBe(300);
    expect(done.buffer.partitions.every((p) => p.records === 0 && p.bytes > 0 && p.whenFull === 'block')).toBe(true);
    expect(done.flowYaml).toBeUndefined();
    const seqs = reports('status-a').map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);

    const base = `http://127.0.0.1:${agent.httpAddress!.port}`;
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const metricsText = await metrics.text();
    expect(metricsText).toMatch(/^tributary_buffer_records\{partition="0"\} 0$/m);
    expect(metricsText).toMatch(/^tributary_buffer_bytes\{partition="2"\} [1-9]\d*$/m);
    expect(metricsText).toMatch(/^tributary_forward_lag_records 0$/m);
    expect(metricsText).toMatch(/^tributary_forward_lag_seconds 0$/m);
    expect(metricsText).toMatch(/^tributary_log_commit_seconds_count\{log="agent"\} [1-9]\d*$/m);
    expect(metricsText).toMatch(/^tributary_flow_records_in_total\{source="gen"\} 300$/m);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    const status = (await (await fetch(`${base}/status`)).json()) as AgentStatusReport;
    expect(status.totals.forwarded).toBe(300);
    expect(status.flowYaml).toBeUndefined();
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('ERR_AGENT_HTTP_NOT_FOUND');
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('ERR_AGENT_HTTP_METHOD');

    const lastSeq = reports('status-a').at(-1)!.seq;
    await agent.stop();
    agent = undefined;
    const goodbye = await until('the shutdown notice', () => notices('status-a')[0]);
    expect(goodbye).toMatchObject({ v: 1, online: false, reason: 'shutdown', intervalMs: 500 });
    expect(goodbye.seq).toBeGreaterThan(lastSeq);
    // A clean DISCONNECT: the broker discards the last will.
    await sleep(300);
    expect(notices('status-a').map((n) => n.reason)).toEqual(['shutdown']);
  });

  it('an agent killed with SIGKILL is announced offline by its last will (connection_lost)', async () => {
    const flowFile = join(dir.path, 'flow.yaml');
    writeFileSync(flowFile, flowYaml('status-kill', join(dir.path, 'data'), broker.url));
    cli = startCli(['agent', '--flow', flowFile]);
    const first = await until('a report of the agent process', () => reports('status-kill')[0]);
    expect(first.flowYaml).not.toContain(SECRET);
    expect(notices('status-kill')).toEqual([]);

    cli.child.kill('SIGKILL');
    await cli.exited;
    const will = await until('the last will', () => notices('status-kill')[0]);
    expect(will).toMatchObject({ v: 1, online: false, reason: 'connection_lost', intervalMs: 500 });
    // Set at connect time: it carries the seq of that connection's first report.
    expect(will.seq).toBe(first.seq);
  });

  it('/metrics shows the counters alerts watch at 0 right after start (drops per partition and reason, commit errors, disconnects)', async () => {
    const text = flowYaml('status-zero', join(dir.path, 'data'), broker.url, '  http: { host: 127.0.0.1, port: 0 }');
    agent = await Agent.start(loadFlowText(text, join(dir.path, 'flow.yaml')), { logger: silentLogger(), flowText: text });
    const metricsText = await (await fetch(`http://127.0.0.1:${agent.httpAddress!.port}/metrics`)).text();
    for (const partition of [0, 1, 2]) {
      for (const reason of ['buffer_full', 'corrupt']) expect(metricsText).toMatch(new RegExp(`^tributary_buffer_dropped_records_total\\{partition="${partition}",reason="${reason}"\\} 0$`, 'm'));
    }
    expect(metricsText).toMatch(/^tributary_buffer_commit_errors_total\{reason="disk_full"\} 0$/m);
    expect(metricsText).toMatch(/^tributary_buffer_commit_errors_total\{reason="error"\} 0$/m);
    expect(metricsText).toMatch(/^tributary_forward_disconnects_total 0$/m);
  });

  it('drops by reason: a full drop_oldest buffer that cannot forward shows in /metrics and in the report', async () => {
    const text = `agent:\n  id: status-drops\n  data_dir: ${join(dir.path, 'data')}\n  status_interval_ms: 500\n  http: { host: 127.0.0.1, port: 0 }\n` +
      `sources:\n  gen: { type: generate, rate_per_sec: 20000, count: 20000, key_count: 4, seed: 3 }\n` +
      `buffer: { inputs: [gen], partitions: 1, max_bytes: 65536, batch_max_bytes: 8192, when_full: drop_oldest }\n` +
      `forward: { url: "mqtt://127.0.0.1:1", password: x, reconnect_min_ms: 50, reconnect_max_ms: 200 }\n`;
    agent = await Agent.start(loadFlowText(text, join(dir.path, 'flow.yaml')), { logger: silentLogger(), flowText: text });
    const base = `http://127.0.0.1:${agent.httpAddress!.port}`;
    const dropped = async () => Number((await (await fetch(`${base}/metrics`)).text()).match(/^tributary_buffer_dropped_records_total\{partition="0",reason="buffer_full"\} (\d+)$/m)?.[1] ?? 0);
    const report = await until('all 20000 records appended', () => {
      const r = agent!.statusReport();
      return r.totals.buffered === 20000 ? r : undefined;
    }, 20_000);
    const count = await dropped();
    expect(count).toBeGreaterThan(0);
    expect(report.drops).toEqual({ buffer_full: count });
    // what is left of the 20000 records is what was not dropped
    expect(report.buffer.partitions[0]!.records + count).toBe(20000);
    expect(report.forward.lagRecords).toBe(report.buffer.partitions[0]!.records);
  });

  it('a taken HTTP port is reported in the status errors, not fatal: the agent runs on', async () => {
    const blocker = await import('node:net').then(({ createServer }) => createServer());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const takenPort = (blocker.address() as { port: number }).port;
    try {
      const text = flowYaml('status-b', join(dir.path, 'data'), 'mqtt://127.0.0.1:1', `  http: { host: 127.0.0.1, port: ${takenPort} }`);
      agent = await Agent.start(loadFlowText(text, 'flow.yaml'), { logger: silentLogger(), flowText: text });
      expect(agent.httpAddress).toBeUndefined();
      const report = agent.statusReport();
      expect(report.errors[0]).toMatchObject({ component: 'http' });
      expect(report.errors[0]!.message).toContain(String(takenPort));
      expect(report.forward.state).not.toBe('connected');
      expect(agent.notReadyReasons()).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
