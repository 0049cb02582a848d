import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { loadHubConfigText } from '../../hub/config/load.js';
import { startHub, type RunningHub } from '../../hub/hub.js';
import { startMqttSensors, type MqttSensorsHandle } from '../../sim-devices/mqtt/index.js';
import { startCli, type CliProcess } from '../helpers/agent-process.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { launchChromium, screenshot, testId } from '../helpers/browser.js';
import { tempDir } from '../helpers/temp-dir.js';

const TOKEN = 'e2e-dashboard-token-0123456789';
const AGENT = 'greenhouse-e2e';
const SHOTS = 'dashboard';

/**
 * The dashboard end to end in headless Chromium: a real hub (aedes, SQLite, aggregator), an edge MQTT
 * broker with simulated climate sensors, and an agent process forwarding them to the hub.
 */
describe('dashboard in a real browser', () => {
  const dir = tempDir('tributary-e2e-');
  let hub: RunningHub;
  let edge: TestBroker;
  let agent: CliProcess;
  let sensors: MqttSensorsHandle;
  let browser: Browser;
  let page: Page;
  let url: string;

  const agentRow = () => page.locator(`${testId('agent-row')}[data-agent-id="${AGENT}"]`);
  const numberIn = async (selector: string) => Number((await page.locator(selector).first().innerText()).replace(/[^0-9.]/g, ''));

  beforeAll(async () => {
    const config = loadHubConfigText(
      `hub: { id: e2e-hub, data_dir: ${join(dir.path, 'hub')} }\nlisteners:\n  mqtt: { host: 127.0.0.1, port: 0 }\n  http: { host: 127.0.0.1, port: 0 }\napi: { token: ${TOKEN} }\naggregate: { windows: [1s, 10s, 1m] }\n`,
      'e2e-hub.yaml',
    );
    hub = await startHub(config, { logger: silentLogger() });
    url = `${hub.api.url}/`;
    const passwordFile = join(dir.path, 'hub-password');
    writeFileSync(passwordFile, await hub.credentials.add(AGENT));
    edge = await startBroker();
    const flow = join(dir.path, 'flow.yaml');
    writeFileSync(
      flow,
      `agent:\n  id: ${AGENT}\n  data_dir: ${join(dir.path, 'agent')}\n  flow_name: e2e-greenhouse\n  flow_version: "1"\n  status_interval_ms: 1000\n` +
        `sources:\n  climate:\n    type: mqtt\n    url: ${edge.url}\n    topics: [greenhouse/+/climate]\n    qos: 1\n    key_from_topic_level: 1\n    parser: { format: json }\n` +
        `buffer:\n  inputs: [climate]\n  partitions: 2\n` +
        `forward:\n  url: mqtt://127.0.0.1:${hub.broker.addresses.mqtt!.port}\n  password: { file: ${passwordFile} }\n`,
    );
    agent = startCli(['agent', '--flow', flow]);
    await agent.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('started'), 20_000);
    sensors = await startMqttSensors({ url: edge.url, count: 2, topicPrefix: 'greenhouse', ratePerSec: 5, qos: 1 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await sensors?.stop();
    if (agent && agent.child.exitCode === null && agent.child.signalCode === null) {
      agent.child.kill('SIGTERM');
      await agent.exited;
    }
    await edge?.stop();
    await hub?.stop();
    dir.remove();
  });

  it('refuses a wrong token', async () => {
    await page.goto(url);
    await page.locator(testId('login-token')).waitFor({ timeout: 15_000 });
    await page.fill(testId('login-token'), 'not-the-token');
    await page.click(testId('login-submit'));
    await page.locator(testId('login-error')).waitFor({ timeout: 10_000 });
    await screenshot(page, SHOTS, '1-login-refused');
    // Still refused by the API itself: no session cookie was set.
    expect(await page.evaluate(async () => (await fetch('/v1/agents')).status)).toBe(401);
  });

  it('logs in and shows the agent online with rising counts', async () => {
    await page.fill(testId('login-token'), TOKEN);
    await page.click(testId('login-submit'));
    await page.locator(testId('fleet-table')).waitFor({ timeout: 15_000 });
    await expect.poll(async () => agentRow().getAttribute('data-state'), { timeout: 20_000, interval: 250 }).toBe('online');
    const inRow = `${testId('agent-row')}[data-agent-id="${AGENT}"] ${testId('agent-in-total')}`;
    await expect.poll(() => numberIn(inRow), { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
    const first = await numberIn(inRow);
    await expect.poll(() => numberIn(inRow), { timeout: 20_000, interval: 250 }).toBeGreaterThan(first);
    await screenshot(page, SHOTS, '2-fleet-online');
  });

  it('shows the agent in detail: partitions, its flow (secrets redacted) and rate sparklines', async () => {
    await agentRow().locator('a').first().click();
    await page.locator(testId('agent-detail')).waitFor({ timeout: 10_000 });
    expect(page.url()).toContain(`#/agents/${AGENT}`);
    // The detail view renders "Loading…" until GET /v1/agents/:id answers.
    const yaml = page.locator(testId('agent-flow-yaml'));
    await expect.poll(async () => yaml.innerText(), { timeout: 10_000, interval: 250 }).toContain('flow_name: e2e-greenhouse');
    const flowYaml = await yaml.innerText();
    expect(flowYaml).toContain('key_from_topic_level: 1');
    await expect.poll(async () => page.locator(testId('agent-partition-row')).count(), { timeout: 10_000, interval: 250 }).toBe(2);
    const sparkline = page.locator(testId('agent-sparkline')).first();
    await expect.poll(async () => Number(await sparkline.getAttribute('data-points')), { timeout: 15_000, interval: 250 }).toBeGreaterThan(1);
    await screenshot(page, SHOTS, '2b-agent-detail');
  });

  it('shows the hub log partitions with their offsets', async () => {
    await page.goto(`${url}#/topics`);
    await page.locator(testId('topics-table')).waitFor({ timeout: 10_000 });
    await expect.poll(async () => page.locator(testId('topic-partition-row')).count(), { timeout: 10_000, interval: 250 }).toBe(hub.store.partitions);
    await expect.poll(() => numberIn(testId('topic-total-records')), { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
    // the records total is the sum of the partitions' ranges, from one answer of the hub
    const totals = await page.locator('main').evaluate((view) => ({
      records: Number(view.querySelector('[data-testid="topic-total-records"]')?.getAttribute('data-value')),
      partitions: [...view.querySelectorAll('[data-testid="topic-records"]')].map((td) => Number(td.getAttribute('data-value'))),
      counters: ['duplicates', 'rejected', 'invalid'].map((name) => view.querySelector(`[data-testid="topic-total-${name}"]`)?.getAttribute('data-value')),
    }));
    expect(totals.partitions.reduce((a, b) => a + b, 0)).toBe(totals.records);
    for (const counter of totals.counters) expect(counter).toMatch(/^\d+$/);
    await screenshot(page, SHOTS, '2c-topics');
  });

  it('shows live aggregate points arriving on the chart', async () => {
    await page.goto(`${url}#/live`);
    const key = page.locator(testId('live-key'));
    await expect.poll(async () => key.locator('option').count(), { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
    const metrics = page.locator(`${testId('live-metric')} option`);
    await expect.poll(async () => (await metrics.allInnerTexts()).join(','), { timeout: 20_000, interval: 250 }).toContain('temperature_c');
    await page.selectOption(testId('live-metric'), 'temperature_c');
    await page.selectOption(testId('live-window'), '1s');
    const chart = page.locator(testId('live-chart'));
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
    const before = Number(await chart.getAttribute('data-points'));
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 20_000, interval: 250 }).toBeGreaterThan(before);
    await page.locator(testId('latest-table')).waitFor();
    await expect.poll(async () => page.locator(testId('latest-table')).innerText(), { timeout: 10_000, interval: 250 }).toContain('temperature_c');
    await screenshot(page, SHOTS, '3-live-chart');
  });

  it('shows a consumer group: its member, assignment, a committed offset and its lag', async () => {
    // A reader that joins and never consumes: its lag grows with every record the hub stores.
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const joined = await fetch(`${url}v1/groups/e2e-slow-reader/members`, { method: 'POST', headers, body: '{}' });
    expect(joined.status).toBe(200);
    const member = (await joined.json()) as { member_id: string; assignment: { partition: number; lease: number }[] };
    expect(member.assignment).toHaveLength(hub.store.partitions);
    await page.goto(`${url}#/groups`);
    await page.locator(`${testId('group-row')}[data-group="e2e-slow-reader"]`).waitFor({ timeout: 15_000 });
    await page.goto(`${url}#/groups/e2e-slow-reader`);
    await expect.poll(() => numberIn(testId('group-lag-total')), { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
    const memberRow = page.locator(`${testId('group-member-row')}[data-member="${member.member_id}"]`);
    await expect.poll(async () => memberRow.count(), { timeout: 10_000, interval: 250 }).toBe(1);
    expect(await memberRow.innerText()).toContain(member.assignment.map((a) => a.partition).sort((a, b) => a - b).join(', '));
    expect(await page.locator(testId('group-partition-row')).count()).toBe(hub.store.partitions);
    expect(await numberIn(testId('group-rebalances'))).toBeGreaterThanOrEqual(1);
    // the total is the sum of the lag per partition shown in the same render
    const lags = await page.locator(testId('group-detail')).evaluate((view) => ({
      total: Number(view.querySelector('[data-testid="group-lag-total"]')?.getAttribute('data-value')),
      partitions: [...view.querySelectorAll('[data-testid="group-partition-lag"]')].map((td) => Number(td.getAttribute('data-value'))),
    }));
    expect(lags.partitions).toHaveLength(hub.store.partitions);
    expect(lags.partitions.reduce((a, b) => a + b, 0)).toBe(lags.total);
    // Commit one record on a partition that has some: the page shows the committed offset.
    const target = member.assignment.find((a) => hub.store.state(a.partition).nextOffset > 0)!;
    const commit = await fetch(`${url}v1/groups/e2e-slow-reader/commit`, { method: 'POST', headers, body: JSON.stringify({ member_id: member.member_id, partition: target.partition, lease: target.lease, offset: 1 }) });
    expect(commit.status).toBe(200);
    const committed = `${testId('group-partition-row')}[data-partition="${target.partition}"] ${testId('group-partition-committed')}`;
    await expect.poll(async () => page.locator(committed).getAttribute('data-value'), { timeout: 10_000, interval: 250 }).toBe('1');
    await screenshot(page, SHOTS, '4-group-lag');
  });

  it('shows an MQTT source unhealthy and its error in the agent detail while the edge broker is down, then healthy again', async () => {
    const sourceDot = () => agentRow().locator('[data-source-state]');
    await page.goto(`${url}#/fleet`);
    await expect.poll(async () => sourceDot().getAttribute('data-source-state'), { timeout: 15_000, interval: 250 }).toBe('ok');
    await edge.stop();
    await expect.poll(async () => sourceDot().getAttribute('data-source-state'), { timeout: 20_000, interval: 250 }).not.toBe('ok');
    await screenshot(page, SHOTS, '4b-fleet-source-down');
    await page.goto(`${url}#/agents/${AGENT}`);
    const errorRows = page.locator(testId('agent-error-row'));
    await expect.poll(async () => (await errorRows.allInnerTexts()).join('\n'), { timeout: 20_000, interval: 250 }).toContain('climate');
    await screenshot(page, SHOTS, '4c-agent-recent-errors');
    await edge.restart();
    await page.goto(`${url}#/fleet`);
    await expect.poll(async () => sourceDot().getAttribute('data-source-state'), { timeout: 30_000, interval: 250 }).toBe('ok');
  });

  it('shows the agent offline once it is killed', async () => {
    await page.goto(`${url}#/fleet`);
    await expect.poll(async () => agentRow().getAttribute('data-state'), { timeout: 15_000, interval: 250 }).toBe('online');
    agent.child.kill('SIGKILL');
    await agent.exited;
    await expect.poll(async () => agentRow().getAttribute('data-state'), { timeout: 20_000, interval: 250 }).toBe('offline');
    await screenshot(page, SHOTS, '5-agent-offline');
  });
});
