import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { AGGREGATOR_GROUP } from '../../../hub/aggregate/aggregator-service.js';
import type { RunningHub } from '../../../hub/hub.js';
import { startCli, type CliProcess } from '../../helpers/agent-process.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { actualStats, aggregatorHubYaml, expectedStats, feed, recordSet, startAggregatorHub, waitForNoLag } from './aggregator-harness.js';
import { call } from './groups-harness.js';

const dir = tempDir();
const processes: CliProcess[] = [];
const hubs: RunningHub[] = [];
afterEach(async () => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const hub of hubs.splice(0)) await hub.stop();
  dir.remove();
});

it('counts every record exactly once after SIGKILL of a `tributary hub` process in the middle of aggregating', async () => {
  const streams = recordSet(20_000, 50);
  const total = 6 * 20_000;
  // The records go in through the real ingest with the aggregator off, so the child has a backlog to work through.
  const loader = await startAggregatorHub(dir.path, 1, false);
  hubs.push(loader.hub);
  await feed(loader.hub, streams, 0, 20_000, 500);
  await hubs.pop()!.stop();

  const config = join(dir.path, 'hub.yaml');
  writeFileSync(config, aggregatorHubYaml(dir.path, 2));
  const child = startCli(['hub', '--config', config]);
  processes.push(child);
  const url = (await child.waitForLog((l) => typeof l.address === 'string')).address as string;
  let committed = 0;
  while (committed === 0) {
    const group = await call(url, 'GET', `/v1/groups/${AGGREGATOR_GROUP}`);
    if (group.status === 200) committed = (group.body.partitions as { committed_offset?: number }[]).reduce((n, p) => n + (p.committed_offset ?? 0), 0);
  }
  child.child.kill('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');
  expect(committed).toBeGreaterThan(0);
  expect(committed).toBeLessThanOrEqual(total);

  const restarted = await startAggregatorHub(dir.path, 2);
  hubs.push(restarted.hub);
  await waitForNoLag(restarted.hub);
  expect(await actualStats(restarted.url)).toEqual(expectedStats(streams));
}, 30_000);
