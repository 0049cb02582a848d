import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { validateCommand } from '../../../cli/validate.js';
import { fakeRegistries } from './fake-specs.js';

const dir = mkdtempSync(join(tmpdir(), 'tributary-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

function flowFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const good = flowFile('good.yaml', `agent: { id: a, data_dir: d }
sources:
  tick: { type: ticker }
  tock: { type: ticker }
processors:
  both: { type: pass, inputs: [tick, tock] }
buffer: { inputs: [both], partitions: 1 }
`);
const bad = flowFile('bad.yaml', `agent: { id: a, data_dir: d }
sources:
  tick: { type: ticker, rate_per_secs: 2 }
buffer: { inputs: [tikc] }
`);

/** Runs `validate ARGS...` in-process and returns what it printed and the exit code it set. */
async function run(...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: number | undefined }> {
  const out: string[] = [];
  const err: string[] = [];
  const command = validateCommand({ out: (line) => out.push(line), err: (line) => err.push(line) }, fakeRegistries())
    .exitOverride()
    .configureOutput({ writeOut: (text) => out.push(text), writeErr: (text) => err.push(text) });
  await command.parseAsync(args, { from: 'user' });
  const exitCode = process.exitCode === undefined ? undefined : Number(process.exitCode);
  process.exitCode = undefined;
  return { out, err, exitCode };
}

describe('tributary validate', () => {
  test('prints a summary per valid file and exits 0', async () => {
    const result = await run(good, good);
    expect(result.out).toEqual([`${good}: ok (2 sources, 1 processor, 1 partition)`, `${good}: ok (2 sources, 1 processor, 1 partition)`]);
    expect(result.err).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  test('prints every problem of an invalid file on stderr and exits 78', async () => {
    const result = await run(good, bad);
    expect(result.out).toEqual([`${good}: ok (2 sources, 1 processor, 1 partition)`]);
    expect(result.err).toEqual([
      [
        `${bad}:3:25: sources.tick.rate_per_secs: unknown option "rate_per_secs" for a source of type ticker (did you mean "rate_per_sec"?)`,
        `${bad}:4:20: buffer.inputs[0]: unknown input "tikc" (did you mean "tick"?); expected one of: tick`,
      ].join('\n'),
      `${bad}: invalid (2 problems)`,
    ]);
    expect(result.exitCode).toBe(78);
  });

  test('exits 66 when a file cannot be read, after checking the others', async () => {
    const missing = join(dir, 'missing.yaml');
    const result = await run(missing, bad);
    expect(result.err[0]).toBe(`error: cannot read flow file ${missing}: no such file; check the path and its permissions`);
    expect(result.err.at(-1)).toBe(`${bad}: invalid (2 problems)`);
    expect(result.exitCode).toBe(66);
  });

  test('exits 66 for an unreadable file', async () => {
    if (process.getuid?.() === 0) {
      // root reads any file: a directory is unreadable as a flow for everyone
      const result = await run(dir);
      expect(result.err[0]).toContain('it is a directory');
      expect(result.exitCode).toBe(66);
      return;
    }
    const locked = flowFile('locked.yaml', 'agent: {}\n');
    chmodSync(locked, 0o000);
    const result = await run(locked);
    expect(result.err[0]).toContain('permission denied');
    expect(result.exitCode).toBe(66);
  });

  test('needs at least one file, and documents itself in --help', async () => {
    await expect(run()).rejects.toMatchObject({ code: 'commander.missingArgument' });
    const help = validateCommand().helpInformation() + '\n';
    expect(help).toContain('validate [options] <file...>');
    let helpText = '';
    const command = validateCommand().exitOverride().configureOutput({ writeOut: (text) => { helpText += text; } });
    await expect(command.parseAsync(['--help'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    expect(helpText).toContain('Exit codes: 0 every file is valid, 78 a file is invalid');
    expect(helpText).toContain('tributary validate flows/gps-tracker.yaml');
  });
});
