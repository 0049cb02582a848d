import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../core/log/batch.js';
import { SqliteLogStore } from '../../../core/log/sqlite-store.js';
import type { DataRecord } from '../../../core/record.js';
import { startCli } from '../../helpers/agent-process.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args, env);
  const { code } = await p.exited;
  return { code, stdout: p.stdout.join(''), stderr: p.logs.map((l) => String(l.msg)).join('\n') };
}

const records = (n: number, start: number): DataRecord[] => Array.from({ length: n }, (_, i) => ({ key: 'k', ts: start + i, value: { seq: start + i }, attrs: {} }));

describe('tributary command line', () => {
  let dir: ReturnType<typeof tempDir>;
  let dataDir: string;
  beforeAll(() => {
    dir = tempDir();
    dataDir = join(dir.path, 'agent');
    const store = new SqliteLogStore({ path: join(dataDir, 'log.db'), partitions: 2 });
    store.append([{ partition: 0, ...encodeBatch(records(10, 0)) }, { partition: 0, ...encodeBatch(records(10, 10)) }, { partition: 1, ...encodeBatch(records(5, 100)) }]);
    store.close();
  });
  afterAll(() => dir.remove());

  it('--version and --help work on every subcommand', async () => {
    expect((await run(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    for (const sub of [['agent'], ['validate'], ['log'], ['log', 'verify'], ['log', 'dump'], ['demo'], ['sim-devices']]) {
      const r = await run([...sub, '--help']);
      expect(r.code, sub.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: tributary/);
    }
  });

  it('log verify: exit 0 on a consistent log, 1 with the problem after a corruption, 66 without a log', async () => {
    const ok = await run(['log', 'verify', '--data-dir', dataDir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/2 partitions, 3 batches, 25 records/);
    expect(ok.stdout).toMatch(/^ok$/m);

    const corruptDir = join(dir.path, 'corrupt');
    const store = new SqliteLogStore({ path: join(corruptDir, 'log.db'), partitions: 1 });
    store.append([{ partition: 0, ...encodeBatch(records(3, 0)) }]);
    store.database.prepare('UPDATE batches SET crc = crc + 1').run();
    store.close();
    const bad = await run(['log', 'verify', '--data-dir', corruptDir]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/partition 0 offset 0: CRC mismatch/);

    const missing = await run(['log', 'verify', '--data-dir', join(dir.path, 'nowhere')]);
    expect(missing.code).toBe(66);
  });

  it('log dump prints exactly the records of the offset range as JSON lines', async () => {
    const r = await run(['log', 'dump', '--data-dir', dataDir, '--partition', '0', '--from', '8', '--to', '12']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { partition: number; offset: number; value: { seq: number } });
    expect(lines.map((l) => [l.partition, l.offset, l.value.seq])).toEqual([[0, 8, 8], [0, 9, 9], [0, 10, 10], [0, 11, 11]]);
  });

  it('the agent refuses an invalid flow with file:line:col and exit 78', async () => {
    const flow = join(dir.path, 'bad.yaml');
    writeFileSync(flow, `agent:\n  id: a\n  data_dir: ${join(dir.path, 'never')}\nsources:\n  g:\n    type: generate\n    rate_per_sek: 5\nbuffer:\n  inputs: [g]\n`);
    const p = startCli(['agent', '--flow', flow]);
    const { code } = await p.exited;
    expect(code).toBe(78);
    const stderr = p.logs.map((l) => String(l.msg)).join('\n');
    expect(stderr).toContain(`${flow}:7:5: sources.g.rate_per_sek`);
    expect(stderr).toMatch(/did you mean "rate_per_sec"/);
  });

  it('logs pino JSON lines at the level asked for; an unknown level (option or TRIBUTARY_LOG_LEVEL) is a usage error, exit 64', async () => {
    const flow = join(dir.path, 'levels.yaml');
    // An unreachable hub: the forwarder logs a warning at its first failed connect.
    writeFileSync(flow, `agent:\n  id: levels\n  data_dir: ${join(dir.path, 'levels')}\nsources:\n  g: { type: generate, rate_per_sec: 5 }\nbuffer: { inputs: [g] }\nforward: { url: "mqtt://127.0.0.1:1", password: not-used }\n`);
    for (const level of ['info', 'warn']) {
      const p = startCli(['agent', '--flow', flow, '--log-level', level]);
      await p.waitForLog((l) => l.level === 40 && String(l.msg).includes('hub connection lost'));
      p.child.kill('SIGTERM');
      expect((await p.exited).code).toBe(0);
      expect(p.logs.every((l) => l.name === 'tributary-agent' && typeof l.level === 'number' && typeof l.time === 'number'), level).toBe(true);
      const levels = p.logs.map((l) => l.level as number);
      if (level === 'info') expect(levels).toContain(30);
      else expect(Math.min(...levels)).toBe(40);
    }
    const badOption = await run(['hub', '--log-level', 'loud']);
    expect(badOption.code).toBe(64);
    expect(badOption.stderr).toContain("argument 'loud' is invalid. Allowed choices are trace, debug, info, warn, error, fatal, silent");
    const badEnv = await run(['agent', '--flow', flow], { TRIBUTARY_LOG_LEVEL: 'loud' });
    expect(badEnv.code).toBe(64);
    expect(badEnv.stderr).toContain("from env 'TRIBUTARY_LOG_LEVEL' is invalid");
  });
});
