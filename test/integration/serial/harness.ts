import { afterEach } from 'vitest';
import type { Source } from '../../../agent/component.js';
import type { ParserConfigInput } from '../../../agent/parsers/index.js';
import type { SerialSourceConfig } from '../../../agent/sources/serial/config.js';
import { createSerialSource } from '../../../agent/sources/serial/serial-source.js';
import { SerialDevice, type SerialDeviceOptions } from '../../../sim-devices/serial/device.js';
import { collectingContext, waitFor, type CollectingContext } from '../../unit/sources/serial-test-context.js';

export { waitFor };

/** A serial source on the real binding, with a collecting context, options defaulted as the flow loader would. */
export function realSerialSource(
  path: string,
  parser: ParserConfigInput,
  overrides: Partial<Omit<SerialSourceConfig, 'parser'>> = {},
  context: CollectingContext = collectingContext('sim'),
): { source: Source; context: CollectingContext } {
  const config: SerialSourceConfig = {
    type: 'serial',
    path,
    baud_rate: 9600,
    data_bits: 8,
    parity: 'none',
    stop_bits: 1,
    framing: { delimiter: '\n', max_frame_bytes: 4096 },
    encoding: 'utf8',
    reopen_delay_ms: 50,
    reopen_max_delay_ms: 200,
    stall_timeout_ms: 0,
    max_pending_frames: 10000,
    ...overrides,
    parser: parser as SerialSourceConfig['parser'],
  };
  return { source: createSerialSource(config, context), context };
}

/** Starts the source and waits until its port is open: a pty drops bytes written before that. */
export async function startConnected(source: Source): Promise<void> {
  await source.start();
  await waitFor('the serial source to open the pty', () => source.health().state === 'connected', 15_000, () => source.health());
}

/** Makes simulated devices and serial sources that are gone after the test that made them. */
export interface SerialFixture {
  /** A simulated device on a socat pty. */
  device(options: SerialDeviceOptions): Promise<SerialDevice>;
  /** A source as from `realSerialSource`. */
  source(...args: Parameters<typeof realSerialSource>): ReturnType<typeof realSerialSource>;
}

/**
 * Registers an afterEach that stops every source and then closes every device the test made:
 * sources first, so none sees its pty vanish and starts reopening during the teardown.
 */
export function useSerialFixture(): SerialFixture {
  let devices: SerialDevice[] = [];
  let sources: Source[] = [];
  afterEach(async () => {
    const [stopping, closing] = [sources, devices];
    sources = [];
    devices = [];
    for (const source of stopping) await source.stop();
    for (const device of closing) await device.close();
  });
  return {
    async device(options) {
      const device = await SerialDevice.create(options);
      devices.push(device);
      return device;
    },
    source(...args) {
      const made = realSerialSource(...args);
      sources.push(made.source);
      return made;
    },
  };
}
