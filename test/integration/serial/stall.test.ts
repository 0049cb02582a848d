import { describe, expect, it } from 'vitest';
import { startConnected, useSerialFixture, waitFor } from './harness.js';

describe('serial source stall watchdog on a socat pty', () => {
  const serial = useSerialFixture();

  it('reopens a port that stays silent for stall_timeout_ms, then reads the device', async () => {
    const device = await serial.device({ kind: 'json', ratePerSec: 100, seed: 9 });
    const { source, context } = serial.source(device.path, { format: 'json' }, { stall_timeout_ms: 300, reopen_delay_ms: 100, reopen_max_delay_ms: 100 });
    await startConnected(source);
    // The device is powered but says nothing.
    await waitFor('stalled', () => source.health().state === 'stalled', 15_000, () => source.health());
    expect(source.health().detail).toBe(`no bytes from ${device.path} for 300 ms; reopening in 100 ms`);
    await waitFor('reopened', () => source.health().state === 'connected', 15_000, () => source.health());
    expect(context.metrics.get('tributary_source_reopens_total', { source: 'sim', reason: 'stall' })).toBeGreaterThanOrEqual(1);

    await device.start();
    await waitFor('records after the stall', () => context.records.length >= 10, 15_000, () => source.health());
    // A talking device does not stall.
    const stallsBefore = context.metrics.get('tributary_source_reopens_total', { source: 'sim', reason: 'stall' });
    const seen = context.records.length;
    await waitFor('more records', () => context.records.length >= seen + 60);
    expect(context.metrics.get('tributary_source_reopens_total', { source: 'sim', reason: 'stall' })).toBe(stallsBefore);
  });
});
