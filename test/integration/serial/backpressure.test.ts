import { afterEach, describe, expect, it } from 'vitest';
import type { Source } from '../../../agent/component.js';
import { createSerialSource } from '../../../agent/sources/serial/serial-source.js';
import { SerialDevice } from '../../../sim-devices/serial/device.js';
import { collectingContext } from '../../unit/sources/serial-test-context.js';
import { startConnected, waitFor } from './harness.js';

describe('serial source backpressure on a real pty', () => {
  let device: SerialDevice | undefined;
  let source: Source | undefined;

  afterEach(async () => {
    await source?.stop();
    await device?.close();
    source = undefined;
    device = undefined;
  });

  it('pauses the port while storing lags and loses nothing: the pty holds the device back', async () => {
    const lines = 3000;
    device = await SerialDevice.create({ kind: 'json', id: 'fast', ratePerSec: 100_000, lines, seed: 4 });
    // A slow log: every emit takes 20 ms.
    const context = collectingContext('sim', () => new Promise((resolve) => setTimeout(resolve, 20)));
    source = createSerialSource(
      {
        type: 'serial',
        path: device.path,
        baud_rate: 115200,
        data_bits: 8,
        parity: 'none',
        stop_bits: 1,
        framing: { delimiter: '\n', max_frame_bytes: 4096 },
        encoding: 'utf8',
        parser: { format: 'json' },
        reopen_delay_ms: 50,
        reopen_max_delay_ms: 200,
        stall_timeout_ms: 0,
        max_pending_frames: 100,
      },
      context,
    );
    await startConnected(source);
    await device.start();
    await waitFor(`${lines} records`, () => context.records.length === lines, 8000, () => ({ records: context.records.length, device: device?.stats }));
    await device.done;

    expect(context.metrics.get('tributary_source_backpressure_pauses_total', { source: 'sim' })).toBeGreaterThan(0);
    expect(context.deadLetters).toEqual([]);
    expect(context.records.map((r) => (r.value as { seq: number }).seq)).toEqual(Array.from({ length: lines }, (_, i) => i));
    expect(device.stats.writeErrors).toBe(0);
  });
});
