import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { integer, positiveInteger, positiveNumber, probability } from '../cli-options.js';
import type { SerialDevice, SerialDeviceStats, SerialFaults } from './device.js';
import type { SerialDeviceKind } from './line-sources.js';

export interface SerialDevicesOptions {
  count: number;
  kind: SerialDeviceKind;
  ratePerSec: number;
  /** NMEA capture to replay (kind nmea). */
  replay?: string;
  /** Lines per device, then stop; undefined = until stopped. */
  lines?: number;
  faults?: SerialFaults;
  seed?: number;
  /** Base directory: device `serial-1` gets `<dir>/serial-1/dev`. A temporary one (removed on stop) when absent. */
  dir?: string;
  /** Chaos: unplug every device this often, for `unpluggedForMs`. */
  unplugEveryMs?: number;
  unpluggedForMs?: number;
}

export interface SerialDevicesHandle {
  devices: SerialDevice[];
  /** Resolves when every device has written its `lines`. */
  done(): Promise<void>;
  /** Stops the devices and removes their ptys; resolves with each device's counts. */
  stop(): Promise<Record<string, SerialDeviceStats>>;
}

/** One JSON object per line on stdout: how the CLI reports what it created and what happens. */
export type Report = (event: Record<string, unknown>) => void;

const jsonLine: Report = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

/** Starts `count` simulated serial devices and reports each one's paths as `{ event: 'started', ... }`. */
export async function startSerialDevices(options: SerialDevicesOptions, report: Report = jsonLine): Promise<SerialDevicesHandle> {
  const ownsDir = options.dir === undefined;
  const baseDir = options.dir ?? mkdtempSync(join(tmpdir(), 'tributary-sim-'));
  mkdirSync(baseDir, { recursive: true });
  const devices: SerialDevice[] = [];
  const timers: NodeJS.Timeout[] = [];
  const chaos: Promise<void>[] = [];
  try {
    for (let i = 1; i <= options.count; i++) {
      const id = `serial-${i}`;
      const { SerialDevice } = await import('./device.js');
      const device = await SerialDevice.create({
        kind: options.kind,
        id,
        ratePerSec: options.ratePerSec,
        dir: join(baseDir, id),
        replay: options.replay,
        lines: options.lines,
        faults: options.faults,
        seed: options.seed === undefined ? undefined : options.seed + i,
      });
      devices.push(device);
      await device.start();
      report({ event: 'started', id, kind: options.kind, path: device.path, sim_path: device.simPath, rate_per_sec: options.ratePerSec });
    }
  } catch (error) {
    await Promise.allSettled(devices.map((device) => device.close()));
    if (ownsDir) rmSync(baseDir, { recursive: true, force: true });
    throw error;
  }

  if (options.unplugEveryMs !== undefined) {
    const downMs = options.unpluggedForMs ?? 2000;
    devices.forEach((device, index) => {
      const id = `serial-${index + 1}`;
      const timer = setInterval(() => {
        if (!device.isPlugged) return;
        const cycle = (async () => {
          await device.unplug();
          report({ event: 'unplugged', id, path: device.path });
          await new Promise((resolve) => setTimeout(resolve, downMs));
          await device.replug();
          report({ event: 'replugged', id, path: device.path });
        })();
        chaos.push(cycle.catch((error: unknown) => report({ event: 'error', id, message: String(error) })));
      }, options.unplugEveryMs);
      timers.push(timer);
    });
  }

  let stopping: Promise<Record<string, SerialDeviceStats>> | undefined;
  return {
    devices,
    done: async () => {
      await Promise.all(devices.map((device) => device.done));
    },
    stop() {
      stopping ??= (async () => {
        timers.forEach(clearInterval);
        await Promise.allSettled(chaos);
        await Promise.all(devices.map((device) => device.close()));
        if (ownsDir) rmSync(baseDir, { recursive: true, force: true });
        const stats: Record<string, SerialDeviceStats> = {};
        devices.forEach((device, index) => {
          stats[`serial-${index + 1}`] = { ...device.stats };
          report({ event: 'stopped', id: `serial-${index + 1}`, stats: device.stats });
        });
        return stats;
      })();
      return stopping;
    },
  };
}

const FAULT_NAMES = ['garbage', 'truncate', 'burst'] as const;

/** `sim-devices serial`: N simulated serial devices on socat ptys, until SIGINT/SIGTERM or --lines each. */
export function serialCommand(report: Report = jsonLine): Command {
  return new Command('serial')
    .description('simulated serial devices (GPS NMEA, CSV, JSON lines) on virtual serial ports (socat pty pairs)')
    .addOption(new Option('--kind <kind>', 'what the devices send').choices(['nmea', 'csv', 'json']).default('nmea'))
    .option('--count <n>', 'number of devices', positiveInteger, 1)
    .option('--rate <lines>', 'lines per second per device', positiveNumber, 1)
    .option('--replay <file>', 'NMEA capture to replay in a loop instead of a simulated receiver (kind nmea)')
    .option('--lines <n>', 'stop after this many lines per device (default: run until stopped)', positiveInteger)
    .option('--faults <list>', `faults to inject, comma-separated: ${FAULT_NAMES.join(', ')}`, faultList, [])
    .option('--fault-rate <p>', 'probability per line of each listed fault (0..1)', probability, 0.02)
    .option('--burst-lines <n>', 'lines per burst', positiveInteger, 20)
    .option('--unplug-every <ms>', 'unplug every device this often (then replug it)', positiveInteger)
    .option('--unplugged-for <ms>', 'how long an unplugged device stays away', positiveInteger, 2000)
    .option('--dir <dir>', 'directory for the pty links: <dir>/serial-<n>/dev (default: a new temporary directory)')
    .option('--seed <n>', 'seed for reproducible readings and faults', integer)
    .addHelpText(
      'after',
      `
Prints one JSON line per device: {"event":"started","id","kind","path","sim_path","rate_per_sec"}.
Point the agent's serial source at "path". Bytes a device writes while no one has "path" open are
lost (as on a real pty), so start the agent first or expect to miss the first lines.
Unplug/replug and stop are reported as JSON lines too. Needs socat (apt-get install socat).

Example:
  tributary sim-devices serial --count 3 --kind nmea --rate 10 --faults garbage,truncate`,
    )
    .action(async (options: CommandOptions) => {
      const faults: SerialFaults = {};
      for (const name of options.faults) faults[name] = options.faultRate;
      faults.burstLines = options.burstLines;
      const handle = await startSerialDevices(
        {
          count: options.count,
          kind: options.kind,
          ratePerSec: options.rate,
          replay: options.replay,
          lines: options.lines,
          faults,
          seed: options.seed,
          dir: options.dir,
          unplugEveryMs: options.unplugEvery,
          unpluggedForMs: options.unpluggedFor,
        },
        report,
      );
      const stop = async (): Promise<void> => {
        await handle.stop();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      if (options.lines !== undefined) {
        await handle.done();
        await stop();
      }
    });
}

interface CommandOptions {
  kind: SerialDeviceKind;
  count: number;
  rate: number;
  replay?: string;
  lines?: number;
  faults: (typeof FAULT_NAMES)[number][];
  faultRate: number;
  burstLines: number;
  unplugEvery?: number;
  unpluggedFor: number;
  dir?: string;
  seed?: number;
}

function faultList(value: string): (typeof FAULT_NAMES)[number][] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (!(FAULT_NAMES as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown fault "${name}": use ${FAULT_NAMES.join(', ')}`);
  }
  return names as (typeof FAULT_NAMES)[number][];
}

