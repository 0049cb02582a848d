import { afterEach, describe, expect, it } from 'vitest';
import { AGGREGATOR_GROUP } from '../../../hub/aggregate/aggregator-service.js';
import type { RunningHub } from '../../../hub/hub.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { actualStats, expectedStats, feed, recordSet, startAggregatorHub, waitForNoLag } from './aggregator-harness.js';
import { call } from './groups-harness.js';

describe('the aggregator running in the hub', () => {
  const dirs: { remove(): void }[] = [];
  const hubs: RunningHub[] = [];
  const open = async (path: string, members = 1) => {
    const started = await startAggregatorHub(path, members);
    hubs.push(started.hub);
    return started;
  };
  const newDir = () => {
    const dir = tempDir();
    dirs.push(dir);
    return dir.path;
  };
  afterEach(async () => {
    for (const hub of hubs.splice(0)) await hub.stop().catch(() => undefined);
    for (const dir of dirs.splice(0)) dir.remove();
  });

  it('aggregates records from the real ingest into exact windows, served over HTTP, and its lag goes to 0', async () => {
    const { hub, url } = await open(newDir());
    const streams = recordSet(300);
    await feed(hub, streams, 0, 300);
    const description = await waitForNoLag(hub);
    expect(description.partitions.reduce((n, p) => n + p.logEnd, 0)).toBe(6 * 300);
    expect(description.members.map((m) => m.staticId)).toEqual(['aggregator-0']);
    const expected = expectedStats(streams);
    expect(expected.length).toBeGreaterThan(100);
    expect(await actualStats(url)).toEqual(expected);

    const one = await call(url, 'GET', `/v1/aggregates?key=a-1&metric=temp&window=1m&from=${expected[0]!.window_start}&limit=2`);
    expect(one.status).toBe(200);
    expect(one.body.windows).toHaveLength(2);
    expect(one.body.windows.every((w: { key: string; metric: string; window_ms: number }) => w.key === 'a-1' && w.metric === 'temp' && w.window_ms === 60_000)).toBe(true);

    const lastA1 = streams.find((s) => s.agent === 'a' && s.partition === 1)!.records.at(-1)!;
    const latest = await call(url, 'GET', '/v1/latest?key=a-1');
    expect(latest).toEqual({ status: 200, body: { latest: [
      { key: 'a-1', metric: 'hum', value: (lastA1.value as { hum: number }).hum, ts: lastA1.ts },
      { key: 'a-1', metric: 'temp', value: (lastA1.value as { temp: number }).temp, ts: lastA1.ts },
    ] } });
    expect(await call(url, 'GET', '/v1/aggregates/late?key=a-1')).toEqual({ status: 200, body: { late: [] } });
  });

  it('answers 400 with the configured windows for a bad or missing window', async () => {
    const { url } = await open(newDir());
    const unknown = await call(url, 'GET', '/v1/aggregates?window=7s');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('ERR_AGGREGATE_QUERY');
    expect(unknown.body.error.message).toContain('10000 (10s), 60000 (1m)');
    const missing = await call(url, 'GET', '/v1/aggregates?key=a-0');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/^window is required: one of 10000 \(10s\)/);
    const badRange = await call(url, 'GET', '/v1/aggregates?window=10s&from=abc');
    expect(badRange.status).toBe(400);
    expect(badRange.body.error.message).toContain('from must be an integer');
  });

  it('counts every record exactly once across a hub stop and restart', async () => {
    const path = newDir();
    const streams = recordSet(240);
    const first = await open(path);
    await feed(first.hub, streams, 0, 120);
    await first.hub.stop();
    hubs.splice(hubs.indexOf(first.hub), 1);
    const second = await open(path);
    await feed(second.hub, streams, 120, 240);
    await waitForNoLag(second.hub);
    expect(await actualStats(second.url)).toEqual(expectedStats(streams));
  });

  it('counts every record exactly once when the aggregator is dropped without flushing (as in a crash)', async () => {
    const path = newDir();
    const streams = recordSet(240);
    const first = await open(path);
    await feed(first.hub, streams, 0, 80);
    await waitForNoLag(first.hub);
    await feed(first.hub, streams, 80, 160);
    // Let the loops read the new records into memory (flushes are at most every second), then drop them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    first.hub.aggregator.abandon();
    const committed = first.hub.groups.describe(AGGREGATOR_GROUP).partitions.reduce((n, p) => n + (p.committedOffset ?? 0), 0);
    expect(committed).toBeGreaterThanOrEqual(6 * 80);
    await first.hub.stop();
    hubs.splice(hubs.indexOf(first.hub), 1);
    const second = await open(path);
    await feed(second.hub, streams, 160, 240);
    await waitForNoLag(second.hub);
    expect(await actualStats(second.url)).toEqual(expectedStats(streams));
  });

  it('two members share the partitions and the totals are still exact', async () => {
    const { hub, url } = await open(newDir(), 2);
    const streams = recordSet(300);
    await feed(hub, streams, 0, 150);
    const shared = hub.aggregator.assignment();
    expect(Object.keys(shared)).toHaveLength(2);
    expect(Object.values(shared).map((p) => p.length)).toEqual([2, 2]);
    await feed(hub, streams, 150, 300);
    const description = await waitForNoLag(hub);
    expect(description.members.map((m) => m.staticId).sort()).toEqual(['aggregator-0', 'aggregator-1']);
    expect(await actualStats(url)).toEqual(expectedStats(streams));
  });
});
