import { existsSync, readlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { createParser } from '../../../agent/parsers/index.js';
import { seededRandom } from '../../../agent/sources/generate/random.js';
import { TributaryError } from '../../../core/errors.js';
import { serialCommand, startSerialDevices, type SerialDevicesHandle } from '../../../sim-devices/serial/command.js';
import { createLineSource } from '../../../sim-devices/serial/line-sources.js';
import { createPtyPair, type PtyPair } from '../../../sim-devices/serial/pty.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** Reads from a pty end until `count` newline-terminated lines arrived. */
async function readLines(path: string, count: number): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    let text = '';
    const buffer = Buffer.alloc(4096);
    while (text.split('\n').length - 1 < count) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      text += buffer.subarray(0, bytesRead).toString('utf8');
    }
    return text.split('\n').slice(0, count);
  } finally {
    await handle.close();
  }
}

describe('createPtyPair', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('links two raw ptys joined by socat and removes the links on close', async () => {
    const dir = tempDir();
    cleanup.push(dir.remove);
    const pair: PtyPair = await createPtyPair({ dir: dir.path });
    cleanup.push(() => pair.close());
    expect(pair.devicePath).toBe(join(dir.path, 'dev'));
    expect(readlinkSync(pair.devicePath)).toMatch(/^\/dev\/pts\/\d+$/);
    expect(readlinkSync(pair.simPath)).toMatch(/^\/dev\/pts\/\d+$/);

    const reading = readLines(pair.devicePath, 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const writer = await open(pair.simPath, 'w');
    await writer.write('hello\r\nworld\n');
    await writer.close();
    // raw,echo=0: bytes pass unchanged, CR kept.
    expect(await reading).toEqual(['hello\r', 'world']);

    await pair.close();
    expect(existsSync(pair.devicePath)).toBe(false);
    expect(existsSync(pair.simPath)).toBe(false);
  });

  it('names the package to install when socat is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const error = await createPtyPair().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TributaryError);
      expect(error).toMatchObject({ code: 'ERR_SIM_SOCAT_MISSING' });
      expect((error as Error).message).toContain('apt-get install socat');
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('simulated device lines', () => {
  it('the moving receiver sends GGA, RMC and VTG with valid checksums, moving along its course', () => {
    let now = Date.parse('2025-06-01T12:00:00Z');
    const lines = createLineSource({ kind: 'nmea', id: 'gps', random: seededRandom(1), now: () => (now += 1000) });
    const parser = createParser({ format: 'nmea' });
    const values = Array.from({ length: 300 }, () => {
      const result = parser.parse(lines.next());
      if (!result.ok) throw new Error(result.reason);
      return result.value as { type: string; lat?: number; lon?: number; date?: string };
    });
    expect(values.slice(0, 3).map((v) => v.type)).toEqual(['GGA', 'RMC', 'VTG']);
    const fixes = values.filter((v) => v.type === 'RMC');
    expect(fixes[0]?.date).toBe('2025-06-01');
    // About 8 knots for 100 s heading roughly west-north-west: a few hundred metres, mostly in longitude.
    const first = fixes[0] as { lat: number; lon: number };
    const last = fixes.at(-1) as { lat: number; lon: number };
    expect(last.lon).toBeLessThan(first.lon);
    expect(Math.abs(last.lon - first.lon)).toBeLessThan(0.02);
  });

  it('truncated lines never parse, for every kind', () => {
    const random = seededRandom(2);
    for (const [kind, parser] of [
      ['nmea', createParser({ format: 'nmea' })],
      ['json', createParser({ format: 'json' })],
      ['csv', createParser({ format: 'csv', header: ['ts', 'device', 'seq', 'temperature_c', 'humidity_pct'] })],
    ] as const) {
      const lines = createLineSource({ kind, id: 'd', random, now: Date.now });
      for (let i = 0; i < 200; i++) {
        const line = lines.next();
        expect(parser.parse(line).ok, `${kind}: ${line}`).toBe(true);
        const cut = lines.truncate(line, random);
        expect(parser.parse(cut).ok, `${kind}: ${cut}`).toBe(false);
      }
    }
  });
});

describe('startSerialDevices (the CLI’s engine)', () => {
  let handle: SerialDevicesHandle | undefined;
  afterEach(async () => {
    await handle?.stop();
    handle = undefined;
  });

  it('starts N devices, reports their paths as JSON events, and removes everything on stop', async () => {
    const events: Record<string, unknown>[] = [];
    handle = await startSerialDevices({ count: 3, kind: 'csv', ratePerSec: 50 }, (event) => events.push(event));
    expect(events.map((e) => [e.event, e.id, e.kind])).toEqual([
      ['started', 'serial-1', 'csv'],
      ['started', 'serial-2', 'csv'],
      ['started', 'serial-3', 'csv'],
    ]);
    const paths = events.map((e) => e.path as string);
    expect(new Set(paths).size).toBe(3);
    for (const path of paths) expect(readlinkSync(path)).toMatch(/^\/dev\/pts\//);
    const stats = await handle.stop();
    handle = undefined;
    expect(Object.keys(stats)).toEqual(['serial-1', 'serial-2', 'serial-3']);
    for (const path of paths) expect(existsSync(path)).toBe(false);
    expect(events.filter((e) => e.event === 'stopped')).toHaveLength(3);
  });

  it('unplugs and replugs devices at the same paths on a schedule', async () => {
    const events: Record<string, unknown>[] = [];
    handle = await startSerialDevices({ count: 1, kind: 'json', ratePerSec: 50, unplugEveryMs: 100, unpluggedForMs: 100 }, (event) => events.push(event));
    const path = events[0]?.path;
    const deadline = Date.now() + 15_000;
    while (!events.some((e) => e.event === 'replugged') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events.map((e) => e.event)).toContain('unplugged');
    expect(events.find((e) => e.event === 'replugged')?.path).toBe(path);
  });
});

describe('sim-devices serial command line', () => {
  function parse(args: string[]): Promise<unknown> {
    const command = serialCommand(() => undefined)
      .exitOverride()
      .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    return command.parseAsync(args, { from: 'user' });
  }

  it('rejects unknown kinds and faults with a message naming the valid ones', async () => {
    await expect(parse(['--kind', 'xml'])).rejects.toThrow(/Allowed choices are nmea, csv, json/);
    await expect(parse(['--faults', 'garbage,fire'])).rejects.toThrow(/unknown fault "fire": use garbage, truncate, burst/);
    await expect(parse(['--rate', '0'])).rejects.toBeInstanceOf(CommanderError);
  });

  it('documents its options and output in --help', () => {
    const help = serialCommand().helpInformation();
    for (const option of ['--count', '--kind', '--rate', '--faults', '--replay', '--unplug-every']) expect(help).toContain(option);
  });
});
