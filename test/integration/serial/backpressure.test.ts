import { describe, expect, it } from 'vitest';
import { collectingContext } from '../../unit/sources/serial-test-context.js';
import { startConnected, useSerialFixture, waitFor } from './harness.js';

describe('serial source backpressure on a real pty', () => {
  const serial = useSerialFixture();

  it('pauses the port while storing lags and loses nothing: the pty holds the device back', async () => {
    const lines = 3000;
    const device = await serial.device({ kind: 'json', id: 'fast', ratePerSec: 100_000, lines, seed: 4 });
    // A slow log: every emit takes 20 ms.
    const context = collectingContext('sim', () => new Promise((resolve) => setTimeout(resolve, 20)));
    const { source } = serial.source(device.path, { format: 'json' }, { baud_rate: 115200, max_pending_frames: 100 }, context);
    await startConnected(source);
    await device.start();
    await waitFor(`${lines} records`, () => context.records.length === lines, 8000, () => ({ records: context.records.length, device: device.stats }));
    await device.done;

    expect(context.metrics.get('tributary_source_backpressure_pauses_total', { source: 'sim' })).toBeGreaterThan(0);
    expect(context.deadLetters).toEqual([]);
    expect(context.records.map((r) => (r.value as { seq: number }).seq)).toEqual(Array.from({ length: lines }, (_, i) => i));
    expect(device.stats.writeErrors).toBe(0);
  });
});
