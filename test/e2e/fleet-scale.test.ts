import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { loadHubConfigText } from '../../hub/config/load.js';
import { startHub, type RunningHub } from '../../hub/hub.js';
import { launchChromium, screenshot, testId } from '../helpers/browser.js';
import { tempDir } from '../helpers/temp-dir.js';
import { offlineNotice, statusReport } from '../unit/hub/status-fixtures.js';

const TOKEN = 'e2e-fleet-scale-token-0123456789';
const SHOTS = 'dashboard';
const AGENTS = 300;
const OFFLINE = 20;
/** Records in of agent i: distinct values in a shuffled order, so a sorted table is not the input order. */
const inOf = (i: number) => (i * 7919) % 1009;
const idOf = (i: number) => `site-${i}`;

/**
 * The fleet table with hundreds of agents in headless Chromium: a real hub whose fleet registry takes the
 * agents' status reports (as its MQTT handler does; the MQTT path is tested in test/integration/hub/fleet.test.ts).
 */
describe('fleet table with hundreds of agents in a real browser', () => {
  const dir = tempDir('tributary-e2e-fleet-');
  let hub: RunningHub;
  let browser: Browser;
  let page: Page;
  let url: string;

  const rows = () => page.locator(testId('agent-row'));
  const rowIds = async () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-agent-id') ?? ''));
  const inValues = async () => page.locator(`${testId('agent-row')} ${testId('agent-in-total')}`).evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value'))));

  beforeAll(async () => {
    const config = loadHubConfigText(
      `hub: { id: e2e-fleet-hub, data_dir: ${join(dir.path, 'hub')} }\nlisteners:\n  mqtt: { host: 127.0.0.1, port: 0 }\n  http: { host: 127.0.0.1, port: 0 }\napi: { token: ${TOKEN} }\naggregate: { enabled: false }\n`,
      'e2e-fleet-hub.yaml',
    );
    hub = await startHub(config, { logger: silentLogger() });
    url = `${hub.api.url}/`;
    for (let i = 0; i < AGENTS; i++) {
      const source = { id: 'probe', type: i % 10 === 3 ? 'serial' : 'mqtt', state: i % 10 === 3 ? ('stalled' as const) : ('ok' as const), records: inOf(i), badFrames: 0 };
      const now = Date.now();
      // Agent 1 reported 2 s before too: 200 more records in and 100 more forwarded since, so 100/s in and 50/s out.
      if (i === 1) hub.fleet.onStatus(idOf(i), statusReport({ seq: 1, ts: now - 2000, intervalMs: 600_000, totals: { in: inOf(i) - 200, buffered: inOf(i) - 200, forwarded: inOf(i) - 100, deadLetters: 0, errors: 0 }, sources: [source] }));
      // A long interval: no agent goes offline for silence while the test runs.
      hub.fleet.onStatus(idOf(i), statusReport({ seq: 2, ts: now, intervalMs: 600_000, totals: { in: inOf(i), buffered: inOf(i), forwarded: inOf(i), deadLetters: 0, errors: i % 5 }, sources: [source] }));
      if (i >= AGENTS - OFFLINE) hub.fleet.onStatus(idOf(i), offlineNotice('shutdown', 3, 600_000));
    }
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.locator(testId('login-token')).waitFor({ timeout: 15_000 });
    await page.fill(testId('login-token'), TOKEN);
    await page.click(testId('login-submit'));
    await page.locator(testId('fleet-table')).waitFor({ timeout: 15_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    dir.remove();
  });

  it('lists every agent and counts them by state', async () => {
    await expect.poll(async () => rows().count(), { timeout: 15_000, interval: 250 }).toBe(AGENTS);
    const summary = ((await page.locator(testId('fleet-summary')).textContent()) ?? '').replace(/\s+/g, ' ');
    expect(summary).toContain(`${AGENTS} agents`);
    expect(summary).toContain(`${AGENTS - OFFLINE} online`);
    expect(summary).toContain(`${OFFLINE} offline`);
  });

  it('shows in a row: version, flow, buffer depth and bytes (per partition in the tooltip), lag, rates, drops by reason, errors, source health', async () => {
    const row = page.locator(`${testId('agent-row')}[data-agent-id="${idOf(1)}"]`);
    const cell = (id: string) => row.locator(testId(id));
    await expect.poll(async () => cell('agent-rate-in').getAttribute('data-value'), { timeout: 10_000, interval: 250 }).toBe('100');
    expect(await cell('agent-rate-out').getAttribute('data-value')).toBe('50');
    expect(await cell('agent-rate-in').innerText()).toBe('100/s');
    expect(await cell('agent-version').innerText()).toBe('0.1.0');
    expect(await cell('agent-flow').innerText()).toBe('gps-flow 3');
    expect(await cell('agent-buffer-records').getAttribute('data-value')).toBe('10');
    expect(await cell('agent-buffer-bytes').getAttribute('data-value')).toBe('1000');
    expect(await cell('agent-buffer-bytes').getAttribute('title')).toBe('partition 0: 7 records, 700 B\npartition 1: 3 records, 300 B');
    expect(await cell('agent-lag-records').getAttribute('data-value')).toBe('10');
    expect(await cell('agent-lag-seconds').innerText()).toBe('1.5s');
    expect(await cell('agent-drops').getAttribute('data-value')).toBe('5');
    expect(await cell('agent-drops').getAttribute('title')).toBe('full: 4\ncorrupt: 1');
    expect(await cell('agent-errors').getAttribute('data-value')).toBe('1');
    const dot = row.locator('[data-source-state]');
    expect(await dot.getAttribute('data-source-state')).toBe('ok');
    expect(await dot.getAttribute('title')).toContain('probe (mqtt): ok');
    // an agent that stopped has no rates: nothing flows
    expect(await page.locator(`${testId('agent-row')}[data-agent-id="${idOf(AGENTS - 1)}"] ${testId('agent-rate-in')}`).innerText()).toBe('–');
  });

  it('sorts by records in, descending then ascending, over all rows', async () => {
    const expected = Array.from({ length: AGENTS }, (_, i) => inOf(i)).sort((a, b) => b - a);
    await page.click(testId('sort-in-total'));
    await expect.poll(inValues, { timeout: 10_000, interval: 250 }).toEqual(expected);
    await screenshot(page, SHOTS, '6-fleet-300-sorted');
    await page.click(testId('sort-in-total'));
    await expect.poll(inValues, { timeout: 10_000, interval: 250 }).toEqual([...expected].reverse());
    expect(page.url()).toContain('sort=in-total');
  });

  it('filters by text, by state and by source state; the filter lives in the URL and survives a reload', async () => {
    const matching = (predicate: (i: number) => boolean) => Array.from({ length: AGENTS }, (_, i) => i).filter(predicate).map(idOf).sort();
    await page.fill(testId('fleet-filter'), 'site-7');
    await expect.poll(async () => (await rowIds()).sort(), { timeout: 10_000, interval: 250 }).toEqual(matching((i) => idOf(i).includes('site-7')));
    expect(page.url()).toContain('q=site-7');

    await page.fill(testId('fleet-filter'), 'stalled');
    await expect.poll(async () => (await rowIds()).sort(), { timeout: 10_000, interval: 250 }).toEqual(matching((i) => i % 10 === 3));

    await page.fill(testId('fleet-filter'), '');
    await page.selectOption(testId('fleet-state-filter'), 'offline');
    await expect.poll(async () => (await rowIds()).sort(), { timeout: 10_000, interval: 250 }).toEqual(matching((i) => i >= AGENTS - OFFLINE));
    expect(await rows().evaluateAll((trs) => trs.every((tr) => tr.getAttribute('data-state') === 'offline'))).toBe(true);

    await page.reload();
    await expect.poll(async () => rows().count(), { timeout: 15_000, interval: 250 }).toBe(OFFLINE);
    expect(await page.locator(testId('fleet-state-filter')).inputValue()).toBe('offline');
    await screenshot(page, SHOTS, '6b-fleet-300-filtered');
  });
});
