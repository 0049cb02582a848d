import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../core/log/batch.js';
import { SqliteLogStore } from '../../../core/log/sqlite-store.js';
import { tempDir } from '../../helpers/temp-dir.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = join(root, 'dist/cli/tributary.js');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

describe('tributary --version, exit codes and log verify progress', () => {
  const batches = 3000;
  let dir: ReturnType<typeof tempDir>;
  let logFile: string;

  beforeAll(() => {
    dir = tempDir();
    logFile = join(dir.path, 'log.db');
    const store = new SqliteLogStore({ path: logFile, partitions: 3 });
    for (let i = 0; i < batches; i += 500) {
      store.append(Array.from({ length: 500 }, (_, j) => ({ partition: (i + j) % 3, ...encodeBatch([{ key: `k${j}`, ts: i + j, value: { n: i + j }, attrs: {} }]) })));
    }
    store.close();
  });
  afterAll(() => dir.remove());

  it('--version prints the version of package.json and exits 0', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = run(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('--help lists the exit codes; a usage error exits 64 (EX_USAGE)', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const code of ['0', '1', '64', '66', '70', '78']) expect(help.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    expect(run(['--no-such-option']).status).toBe(64);
    expect(run(['log', 'verify', '--no-such-option']).status).toBe(64);
    expect(run(['validate']).status).toBe(64);
    const badHeap = run(['agent', '--flow', 'flows/greenhouse.yaml', '--heap', 'huge']);
    expect(badHeap.status).toBe(64);
    expect(badHeap.stderr).toMatch(/--heap <profile>' argument 'huge' is invalid\. Allowed choices are small, node/);
  });

  it('log verify --progress prints progress lines on stderr up to 100%, and the report on stdout', () => {
    const r = run(['log', 'verify', '--file', logFile, '--progress', '--progress-interval-ms', '0']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.trim().split('\n');
    const progress = lines.map((l) => /^verify: (\d+)\/(\d+) batches \((\d+)%\), [\d.]+ s$/.exec(l));
    expect(progress.every((m) => m !== null), r.stderr).toBe(true);
    // verify reads 256 batches a page: 3000 batches in 3 partitions are at least 12 pages
    expect(lines.length).toBeGreaterThanOrEqual(12);
    const checked = progress.map((m) => Number(m![1]));
    expect(checked).toEqual([...checked].sort((a, b) => a - b));
    expect(progress.every((m) => Number(m![2]) === batches)).toBe(true);
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^verify: ${batches}/${batches} batches \\(100%\\)`));
    expect(r.stdout).toMatch(new RegExp(`3 partitions, ${batches} batches, ${batches} records`));
    expect(r.stdout).toMatch(/^ok$/m);
  });

  it('log verify prints no progress when stderr is not a terminal and --progress is not given', () => {
    const r = run(['log', 'verify', '--file', logFile]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ok$/m);
  });

  it('with the default interval (1 s) a quick verify still ends with one 100% line', () => {
    const r = run(['log', 'verify', '--file', logFile, '--progress']);
    expect(r.status).toBe(0);
    expect(r.stderr.trim().split('\n').pop()).toMatch(new RegExp(`^verify: ${batches}/${batches} batches \\(100%\\)`));
  });
});
