/**
 * Memory of the agent process at a steady 10k records/s: the real `tributary agent` with a
 * `generate` source (~100-byte stored records, 16 keys, 4 partitions, synchronous=FULL), its RSS
 * sampled from /proc every 500 ms, its CPU, and the records it actually stored per second (read
 * from its log, read-only).
 *
 *   npm run build && node dist/bench/agent-rss.js [--seconds 20] [--rate 10000] [--node-flags="--max-semi-space-size=1"]
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openReadOnlyLog } from '../core/log/read-only.js';
import { formatTable, machineLine, percentiles, sampleProcess, tempDir, type ProcessSample } from './report.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '10000' },
    // For experiments, e.g. --node-flags=--max-semi-space-size=1 (space-separated flags for the agent's node).
    'node-flags': { type: 'string', default: '' },
  },
});
const nodeFlags = values['node-flags'].split(' ').filter((f) => f !== '');
const seconds = Number(values.seconds);
const rate = Number(values.rate);
/** The goal: 80 MB (10^6 bytes), i.e. 76.3 MiB. */
const goalBytes = 80e6;
/** 60 filler characters make a stored tuple of ~104 bytes: ["gen-3",1700000000000,"<60 chars>",{"source":"gen"}] */
const payloadBytes = 60;

const here = fileURLToPath(new URL('.', import.meta.url));
// bin/tributary.js, as users run it (it sizes the heap before the CLI's modules load).
const cli = join(here, '..', '..', 'bin', 'tributary.js');
if (!existsSync(join(here, '..', 'cli', 'tributary.js'))) throw new Error('dist/cli/tributary.js is missing: run "npm run build" first');

function progress(line: string): void {
  process.stderr.write(`[agent-rss] ${line}\n`);
}

const dir = tempDir('tributary-bench-rss-');
const dataDir = join(dir.path, 'agent-data');
const flowPath = join(dir.path, 'flow.yaml');
writeFileSync(flowPath, `agent:
  id: bench-rss
  data_dir: ${JSON.stringify(dataDir)}
sources:
  gen:
    type: generate
    rate_per_sec: ${rate}
    payload_bytes: ${payloadBytes}
    key_count: 16
buffer:
  inputs: [gen]
  partitions: 4
`);

const agent = spawn(process.execPath, [...nodeFlags, cli, 'agent', '--flow', flowPath, '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
const stderrTail: string[] = [];
const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
const cleanup = (): void => {
  if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
  dir.remove();
};
process.once('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

/** Resolves once the agent logs "agent started"; rejects on exit or after 20 s. */
function started(): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the agent did not log "agent started" within 20 s; its stderr:\n${stderrTail.join('\n')}`)), 20_000);
    let rest = '';
    agent.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
        if (line.includes('"msg":"agent started"')) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the agent exited (code ${code}) before it started; its stderr:\n${stderrTail.join('\n')}`));
    });
  });
}

async function main(): Promise<void> {
  console.log(`agent RSS: tributary agent, generate source at ${rate} rec/s (payload_bytes ${payloadBytes} -> ~104-byte stored records, 16 keys), buffer 4 partitions, commit_interval_ms 0, synchronous=FULL; ${seconds} s measured after a 2 s warm-up`);
  if (nodeFlags.length > 0) console.log(`agent node flags: ${nodeFlags.join(' ')}`);
  console.log(machineLine());
  await started();
  const pid = agent.pid!;
  progress(`agent started (pid ${pid}); warming up 2 s`);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const log = openReadOnlyLog(join(dataDir, 'log.db'));
  const rssSamples: number[] = [];
  const first = sampleProcess(pid);
  const storedAtStart = log.recordsAppended();
  const startedAt = performance.now();
  let last: ProcessSample | undefined = first;
  while (performance.now() - startedAt < seconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (agent.exitCode !== null) throw new Error(`the agent exited (code ${agent.exitCode}) during the measurement; its stderr:\n${stderrTail.join('\n')}`);
    last = sampleProcess(pid) ?? last;
    if (last) rssSamples.push(last.rssKiB);
    if (rssSamples.length % 10 === 0) progress(`${Math.round((performance.now() - startedAt) / 1000)} s: RSS ${(last!.rssKiB / 1024).toFixed(1)} MiB`);
  }
  const elapsed = (performance.now() - startedAt) / 1000;
  const stored = log.recordsAppended() - storedAtStart;
  log.close();
  agent.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`the agent exited with code ${code} on SIGTERM; its stderr:\n${stderrTail.join('\n')}`);
  if (!first || !last) throw new Error('could not read the agent process figures from /proc');

  const rss = percentiles(rssSamples);
  const cpuPercent = ((last.cpuMs - first.cpuMs) / 1000 / elapsed) * 100;
  const storedRate = stored / elapsed;
  const mib = (kib: number): string => (kib / 1024).toFixed(1);
  console.log(formatTable(['figure', 'value'], [
    ['target rate (rec/s)', rate],
    ['stored rate (rec/s, from the log)', Math.round(storedRate)],
    ['RSS p50 (MiB)', mib(rss.p50)],
    ['RSS max of samples (MiB)', mib(rss.max)],
    ['peak RSS, VmHWM incl. start-up (MiB)', mib(last.peakRssKiB)],
    ['CPU (% of one core)', cpuPercent.toFixed(1)],
    ['CPU per record (us)', ((last.cpuMs - first.cpuMs) * 1000 / stored).toFixed(1)],
  ]));
  if (Math.abs(storedRate - rate) / rate > 0.02) console.log(`note: the generate source did not hold ${rate} rec/s: it stored ${Math.round(storedRate)} rec/s`);
  console.log(`goal: RSS <= 80 MB (76.3 MiB) at ${rate} rec/s: max ${mib(rss.max)} MiB -> ${rss.max * 1024 <= goalBytes && storedRate >= rate * 0.98 ? 'met' : 'NOT met'}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`agent-rss benchmark failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
