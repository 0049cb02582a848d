/**
 * Runs every benchmark in turn, each in its own process (so RSS figures are per benchmark), prints
 * their output and ends with a summary of their goal lines.
 *
 *   npm run bench            (builds first)
 *   node dist/bench/run-all.js
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const benchmarks = ['log-append', 'mqtt-source', 'agent-rss', 'forward', 'aggregate', 'hub-aggregate', 'rebalance'];

/** Runs one benchmark script; its stdout is echoed and kept, its stderr (progress lines) passes through. */
function run(name: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, `${name}.js`)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      process.stdout.write(chunk);
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
    // Ctrl-C reaches the child too (same process group); wait for it to clean up rather than leave it behind.
  });
}

const summary: string[] = [];
let failed = 0;
for (const name of benchmarks) {
  console.log(`\n=== ${name} ===`);
  const started = performance.now();
  const { code, output } = await run(name);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (code !== 0) {
    failed++;
    summary.push(`${name}: FAILED (exit ${code}) after ${seconds} s`);
    continue;
  }
  const goals = output.split('\n').filter((line) => line.startsWith('goal'));
  summary.push(`${name} (${seconds} s):`, ...goals.map((g) => `  ${g}`));
}
console.log('\n=== summary ===');
console.log(summary.join('\n'));
process.exit(failed > 0 ? 1 : 0);
