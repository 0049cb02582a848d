import type { Source } from '../../../agent/component.js';
import type { ParserConfigInput } from '../../../agent/parsers/index.js';
import type { SerialSourceConfig } from '../../../agent/sources/serial/config.js';
import { createSerialSource } from '../../../agent/sources/serial/serial-source.js';
import { collectingContext, waitFor, type CollectingContext } from '../../unit/sources/serial-test-context.js';

export { waitFor };

/** A serial source on the real binding, with a collecting context, options defaulted as the flow loader would. */
export function realSerialSource(
  path: string,
  parser: ParserConfigInput,
  overrides: Partial<Omit<SerialSourceConfig, 'parser'>> = {},
): { source: Source; context: CollectingContext } {
  const context = collectingContext('sim');
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
