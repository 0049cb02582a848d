/**
 * Consumer-group rebalance time: a group of 10 TS clients (client/consumer.ts, over the hub's HTTP API)
 * on a 16-partition hub; one member joins, then one leaves. Measured from the join (or the leave) to full
 * assignment: every partition owned, nothing pending, counts balanced (differ by at most 1).
 *
 *   npm run build && node dist/bench/rebalance.js [--members 10] [--partitions 16] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { silentLogger } from '../core/logger.js';
import { loadHubConfigText } from '../hub/config/load.js';
import { startHub } from '../hub/hub.js';
import { Consumer } from '../client/consumer.js';
import { formatTable, machineLine, percentiles, tempDir } from './report.js';

const { values } = parseArgs({ options: { members: { type: 'string', default: '10' }, partitions: { type: 'string', default: '16' }, rounds: { type: 'string', default: '5' } } });
const memberCount = Number(values.members);
const partitions = Number(values.partitions);
const rounds = Number(values.rounds);
const GROUP = 'bench-rebalance';

const dir = tempDir('tributary-bench-rebalance-');
const yaml = `hub: { data_dir: ${dir.path} }\nlisteners:\n  mqtt: { port: 0 }\n  http: { port: 0 }\nlog: { partitions: ${partitions} }\naggregate: { enabled: false }\n`;
const hub = await startHub(loadHubConfigText(yaml, 'bench-hub.yaml'), { logger: silentLogger() });
const consumers: Consumer[] = [];

/** Whether the group is fully assigned and balanced across `members` members. */
function settled(members: number): boolean {
  let description;
  try {
    description = hub.groups.describe(GROUP);
  } catch {
    return false;
  }
  if (description.members.length !== members) return false;
  if (description.partitions.some((p) => (p as { owner?: string }).owner === undefined)) return false;
  const counts = description.members.map((m) => m.owned.length);
  return Math.max(...counts) - Math.min(...counts) <= 1 && counts.reduce((a, b) => a + b, 0) === partitions;
}

async function until(members: number, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  while (!settled(members)) {
    if (performance.now() - started > timeoutMs) throw new Error(`the group did not settle with ${members} members within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return performance.now() - started;
}

function startConsumer(): Consumer {
  const consumer = new Consumer({ url: hub.api.url, group: GROUP, waitMs: 200 });
  void consumer.run({ eachBatch: async () => undefined }).catch((error: unknown) => console.error(`consumer failed: ${String(error)}`));
  consumers.push(consumer);
  return consumer;
}

try {
  console.log(`rebalance: a group of ${memberCount} TS clients over HTTP on a ${partitions}-partition hub, ${rounds} rounds of one join then one leave`);
  console.log(machineLine());
  for (let i = 0; i < memberCount; i++) startConsumer();
  await until(memberCount);
  const joins: number[] = [];
  const leaves: number[] = [];
  const closes: number[] = [];
  for (let round = 0; round < rounds; round++) {
    startConsumer();
    joins.push(await until(memberCount + 1));
    const leaving = consumers.shift()!;
    const closing = performance.now();
    const left = leaving.close();
    // The rebalance starts when the hub has seen the leave (the client first finishes its in-flight call).
    while (hub.groups.describe(GROUP).members.length !== memberCount) await new Promise((r) => setTimeout(r, 1));
    closes.push(performance.now() - closing);
    leaves.push(await until(memberCount));
    await left;
    process.stderr.write(`round ${round + 1}/${rounds}: join ${joins.at(-1)!.toFixed(0)} ms, leave ${leaves.at(-1)!.toFixed(0)} ms\n`);
  }
  const j = percentiles(joins);
  const l = percentiles(leaves);
  console.log(formatTable(['event', 'p50 ms', 'max ms'], [
    [`join (${memberCount} -> ${memberCount + 1})`, j.p50.toFixed(0), j.max.toFixed(0)],
    [`leave (${memberCount + 1} -> ${memberCount}), from the hub seeing it`, l.p50.toFixed(0), l.max.toFixed(0)],
    ['client close() until the hub sees the leave', percentiles(closes).p50.toFixed(0), percentiles(closes).max.toFixed(0)],
  ]));
  const worst = Math.max(j.max, l.max);
  console.log(`goal: full assignment < 1000 ms after a join or leave in a group of ${memberCount}: worst ${worst.toFixed(0)} ms -> ${worst < 1000 ? 'met' : 'NOT met'}`);
} finally {
  await Promise.allSettled(consumers.map((c) => c.close()));
  await hub.stop();
  dir.remove();
}
